// Answered slowly (slow.js.headers): a tracker that fires 2 s after this script runs.
setTimeout(function () { hit("after-slow"); }, 2000);
