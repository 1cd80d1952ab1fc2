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

  // Photos are shrunk on the phone before they travel: a 4 MB camera photo becomes a few
  // hundred KB, which a weak signal can carry. The server shrinks and strips them again.
  var LONGEST_SIDE = 1280;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
        return resolve(file);
      }
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
        if (scale === 1 && file.size < 500000) return resolve(file);
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", 0.82);
      }, function () { resolve(file); });
    });
  }

  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (input.type !== "file" || !/image/.test(input.accept || "") || !window.DataTransfer) return;
    var buttons = input.form ? input.form.querySelectorAll("button[type=submit]") : [];
    buttons.forEach(function (button) { button.disabled = true; });
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      var list = new DataTransfer();
      files.forEach(function (file) { list.items.add(file); });
      input.files = list.files;
    }).finally(function () {
      buttons.forEach(function (button) { button.disabled = false; });
    });
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

  // A roll call or a dorm headcount: the status tapped shows beside the name, the row closes
  // for the next name, and the counts follow. Without this the page sends the same form.
  function tally(form) {
    var counts = { here: 0 };
    var fallback = form.getAttribute("data-default");
    form.querySelectorAll("details[data-status]").forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      var value = checked ? checked.value : fallback;
      counts[value] = (counts[value] || 0) + 1;
      if (!(checked && checked.hasAttribute("data-away"))) counts.here += 1;
    });
    var box = document.getElementById(form.getAttribute("data-sheet"));
    if (!box) return;
    box.querySelectorAll("[data-count]").forEach(function (figure) {
      figure.textContent = counts[figure.getAttribute("data-count")] || 0;
    });
  }

  document.addEventListener("change", function (evt) {
    var input = evt.target;
    var form = input.form;
    if (!form || !form.hasAttribute("data-sheet") || input.type !== "radio") return;
    var row = input.closest("details[data-status]");
    if (row) {
      var label = input.nextElementSibling;
      var status = row.querySelector(".sheet-status");
      row.setAttribute("data-status", input.value);
      if (status) {
        status.textContent = input.value === form.getAttribute("data-default") ? "" : label.textContent;
      }
      row.open = false;
    }
    tally(form);
  });
  // An incident's clocks count on between page loads: the server counted them when the page
  // was made; this only moves the minutes on, with the server's own clock as the reference.
  function spell(minutes, words) {
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (hours && !rest) return words.getAttribute("data-clock-h").replace("{h}", hours);
    return hours
      ? words.getAttribute("data-clock-hm").replace("{h}", hours).replace("{m}", rest)
      : words.getAttribute("data-clock-m").replace("{m}", rest);
  }

  // How far this phone's clock is from the server's, taken when the page (or a part of it)
  // arrives.
  document.addEventListener("htmx:load", function (evt) {
    var root = evt.detail.elt;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-clock-now]"));
    if (root.hasAttribute && root.hasAttribute("data-clock-now")) found.push(root);
    found.forEach(function (words) {
      words.clockOffset = Date.parse(words.getAttribute("data-clock-now")) - Date.now();
    });
  });

  function tick() {
    document.querySelectorAll(".clock[data-due]").forEach(function (clock) {
      var words = clock.closest("[data-clock-now]");
      if (!words || words.clockOffset === undefined || isNaN(words.clockOffset)) return;
      var left = Date.parse(clock.getAttribute("data-due")) - (Date.now() + words.clockOffset);
      var minutes = Math.ceil(Math.abs(left) / 60000);
      var pattern = words.getAttribute(left >= 0 ? "data-clock-left" : "data-clock-over");
      clock.textContent = pattern.replace("{t}", spell(minutes, words));
      clock.classList.toggle("overdue", left < 0);
      clock.classList.toggle("running", left >= 0);
    });
  }

  window.setInterval(tick, 30000);

  // A report's Print button: the browser's own print dialog (the page carries the A4 styles).
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) window.print();
  });

  // The login's end: the page says when, every answer moves it on
  // (X-Login-Expires). Two minutes before, a warning with a button that keeps it alive.
  var loginEnds = null;

  function readLoginClock() {
    var box = document.getElementById("login-warning");
    loginEnds = box ? Date.parse(box.getAttribute("data-expires")) : null;
  }

  function checkLogin() {
    var box = document.getElementById("login-warning");
    if (!box || loginEnds === null || isNaN(loginEnds)) return;
    var left = loginEnds - Date.now();
    if (left <= 0) {
      box.querySelector(".text").textContent = box.getAttribute("data-msg-ended");
      var button = box.querySelector("button");
      if (button) button.hidden = true;
    }
    box.hidden = left > 120000;
  }

  document.addEventListener("DOMContentLoaded", readLoginClock);
  document.addEventListener("htmx:afterSettle", readLoginClock);
  document.addEventListener("htmx:afterRequest", function (evt) {
    var ends = evt.detail.xhr && evt.detail.xhr.getResponseHeader("X-Login-Expires");
    if (ends) loginEnds = Date.parse(ends);
    checkLogin();
  });
  window.setInterval(checkLogin, 15000);

  // After the password prompt, the form typed before it is sent again by itself.
  function resume(root) {
    var form = (root.querySelector && root.querySelector("form[data-resume]")) || null;
    if (form && !form.dataset.sent) {
      form.dataset.sent = "1";
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  }
  document.addEventListener("DOMContentLoaded", function () { resume(document); });
  document.addEventListener("htmx:load", function (evt) { resume(evt.detail.elt); });
})();
