// A third-party widget that reads the site's cookies: the _ga identifier among them.
(function () {
  var all = document.cookie;
  var ga = /(?:^|; )_ga=([^;]*)/.exec(all);
  if (ga) new Image().src = "https://widgets.example.net/p.gif?cid=" + encodeURIComponent(ga[1]);
})();
// Once the page is parsed, it lists every cookie of the site through the Cookie Store API.
document.addEventListener("DOMContentLoaded", function () {
  cookieStore.getAll().then(function (all) { window.__widgetSaw = all.length; });
});
