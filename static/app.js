/* 守望: small enhancements on top of htmx. Every page works without this file. */
(function () {
  "use strict";

  function say(text, kind) {
    var box = document.getElementById("messages");
    if (!box || !text) return;
    var note = document.createElement("div");
    note.className = "flash flash-" + (kind || "error");
    note.setAttribute("role", "alert");
    note.textContent = text;
    box.replaceChildren(note);
  }

  function phrase(name) {
    return document.body.getAttribute("data-msg-" + name);
  }

  // Our error answers say where they belong (HX-Retarget: #messages): show them, not drop them.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // Weak signal: say so plainly; what was typed stays in the form.
  document.addEventListener("htmx:sendError", function () { say(phrase("offline")); });
  document.addEventListener("htmx:timeout", function () { say(phrase("timeout")); });
  document.addEventListener("htmx:responseError", function (evt) {
    if (!evt.detail.xhr.getResponseHeader("HX-Retarget")) say(phrase("failed"));
  });
})();
