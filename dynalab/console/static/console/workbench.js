// DynaLab workbench: copy buttons for code blocks, the PITR slider's date, and a banner when
// the server fails. Without JavaScript the code stays selectable text, the (hidden) copy
// buttons never show, and every form still works: the slider and the date field post as is.
(function () {
  "use strict";

  function reveal(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.hidden = false;
    });
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain http on another host has no clipboard API: copy through a selected textarea.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
      document.execCommand("copy");
    } finally {
      document.body.removeChild(area);
    }
    return Promise.resolve();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) return;
    copyText(source.textContent).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      button.setAttribute("aria-live", "polite");
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  // A range input with data-date-target writes its value (epoch seconds) as a UTC date
  // into that field, which is what the server reads first.
  function utcText(seconds) {
    return new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ");
  }
  document.addEventListener("input", function (event) {
    var slider = event.target.closest && event.target.closest("[data-date-target]");
    if (!slider) return;
    var field = document.getElementById(slider.getAttribute("data-date-target"));
    if (field) field.value = utcText(Number(slider.value));
  });

  // The error rule (see base.html): htmx swaps 4xx answers, which explain themselves; a
  // 5xx or a lost connection is not swapped, so say so instead of doing nothing.
  function failureBanner(text) {
    var banner = document.getElementById("request-failed");
    if (!banner) return;
    banner.textContent = text;
    banner.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : "";
    failureBanner("The server failed to answer (" + status + "). Reload the page and try again; if it keeps happening, report it.");
  });
  document.addEventListener("htmx:sendError", function () {
    failureBanner("The server could not be reached. Check the connection and try again.");
  });

  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function (event) { reveal(event.target); });
})();
