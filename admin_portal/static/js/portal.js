/* The portal's only script (the CSP allows no inline script): live countdowns to each
   deadline, confirmations of irreversible actions, and "back" links. htmx does the rest. */
(function () {
  "use strict";
  var root = document.documentElement;
  var words = {
    left: root.dataset.i18nLeft || "left",
    over: root.dataset.i18nOver || "overdue by",
    d: root.dataset.i18nDay || "d",
    h: root.dataset.i18nHour || "h",
    min: root.dataset.i18nMinute || "min"
  };

  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days > 0) return days + words.d + hours + words.h;
    if (hours > 0) return hours + words.h + mins + words.min;
    return mins + words.min;
  }

  function tick(scope) {
    var now = Date.now();
    (scope || document).querySelectorAll("[data-deadline]").forEach(function (el) {
      var due = Date.parse(el.dataset.deadline);
      if (isNaN(due)) return;
      var left = due - now;
      el.textContent = left >= 0 ? words.left + " " + span(left) : words.over + " " + span(left);
      el.classList.toggle("over", left < 0);
      el.classList.toggle("soon", left >= 0 && left < 24 * 3600000);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    document.body.addEventListener("htmx:load", function (evt) { tick(evt.target); });
    document.body.addEventListener("submit", function (evt) {
      var form = evt.target;
      if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) evt.preventDefault();
    });
    document.body.addEventListener("htmx:responseError", function (evt) {
      // a partial update was refused (403, 409 ...): say so above the page, as text only
      var doc = new DOMParser().parseFromString(evt.detail.xhr.responseText || "", "text/html");
      var main = document.getElementById("main");
      if (!main || evt.detail.xhr.status === 401) return;
      var box = document.createElement("div");
      box.className = "alert alert-danger py-2";
      box.setAttribute("role", "alert");
      box.textContent = (doc.body && doc.body.textContent.trim()) || String(evt.detail.xhr.status);
      main.insertBefore(box, main.firstChild);
    });
    document.body.addEventListener("click", function (evt) {
      var back = evt.target.closest && evt.target.closest("[data-back]");
      if (back && window.history.length > 1) { evt.preventDefault(); window.history.back(); }
    });
  });
})();
