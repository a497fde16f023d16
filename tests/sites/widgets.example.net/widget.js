// A third-party widget that reads the site's cookies: the _ga identifier among them.
(function () {
  var all = document.cookie;
  var ga = /(?:^|; )_ga=([^;]*)/.exec(all);
  if (ga) new Image().src = "https://widgets.example.net/p.gif?cid=" + encodeURIComponent(ga[1]);
})();
