// Stand-in for the Mailjet signup widget: remembers the form state for about six months.
(function () {
  var sixMonths = 180 * 24 * 3600;
  document.cookie = "mj.preferences=" + encodeURIComponent('{"popup":"closed"}') +
    "; max-age=" + sixMonths + "; path=/; SameSite=Lax";
  var el = document.getElementById("mj-widget");
  if (el) { el.textContent = "Subscribe to our newsletter"; }
})();
