// A server-side GTM container served first party: it sends a GA4 hit to its own host.
(function () {
  var cid = Math.floor(Math.random() * 1e9) + "." + Math.floor(Date.now() / 1000);
  new Image().src = "https://metrics.shop.example.com/g/collect?v=2&tid=G-SHOP42&cid=" + cid +
    "&en=page_view&dl=" + encodeURIComponent(location.href);
})();
