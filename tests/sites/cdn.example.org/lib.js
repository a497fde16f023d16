// A benign CDN library: it stores nothing and sends nothing.
window.tinyLib = { version: "2.14.0", add: function (a, b) { return a + b; } };
