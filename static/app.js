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

  // A call from the card: the number comes in the answer's HX-Trigger event, never in the
  // page, and goes straight to the phone's dialler while the contact form opens.
  document.addEventListener("dial", function (evt) {
    var number = String((evt.detail && evt.detail.number) || "");
    if (/^[0-9+-]{3,20}$/.test(number)) window.location.href = "tel:" + number;
  });

  // "The whole class" ticks every child's chip at once (without JavaScript the server does).
  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (!box.form) return;
    var all = box.getAttribute("data-check-all");
    if (all) {
      box.form.querySelectorAll('input[type=checkbox][name="' + all + '"]').forEach(function (one) {
        one.checked = box.checked;
      });
    } else if (box.type === "checkbox" && !box.checked) {
      var whole = box.form.querySelector('input[data-check-all="' + box.name + '"]');
      if (whole) whole.checked = false;
    }
  });
})();
