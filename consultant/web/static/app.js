// CaseConsultant review pages: keyboard navigation and the live reply preview. No dependencies.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function typing(ev) {
    var t = ev.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // ---- Queue: j/k to move, Enter or o to open, / to jump to the filters, ? for help ----
  function setupQueue() {
    var table = document.querySelector("[data-queue]");
    var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr")) : [];
    var index = -1;
    function select(i) {
      if (!rows.length) return;
      index = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("selected", n === index); });
      rows[index].scrollIntoView({ block: "nearest" });
      var link = rows[index].querySelector("a");
      if (link) link.focus({ preventScroll: true });
    }
    rows.forEach(function (row, n) {
      row.addEventListener("click", function (ev) {
        if (ev.target.closest("a")) return;
        window.location = row.getAttribute("data-href");
      });
      row.addEventListener("focusin", function () { index = n; rows.forEach(function (r, m) { r.classList.toggle("selected", m === n); }); });
    });
    document.addEventListener("keydown", function (ev) {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "j") { select(index + 1); ev.preventDefault(); }
      else if (ev.key === "k") { select(index - 1); ev.preventDefault(); }
      else if ((ev.key === "Enter" || ev.key === "o") && index >= 0 && rows[index]) {
        window.location = rows[index].getAttribute("data-href"); ev.preventDefault();
      } else if (ev.key === "/") {
        var first = document.querySelector("#filters select"); if (first) { first.focus(); ev.preventDefault(); }
      } else if (ev.key === "n") { var next = document.querySelector('a[rel="next"]'); if (next) window.location = next.href; }
      else if (ev.key === "p") { var prev = document.querySelector('a[rel="prev"]'); if (prev) window.location = prev.href; }
    });
  }

  // ---- Keyboard help panel (toggle with ?) ----
  function setupHelp() {
    var panel = document.createElement("div");
    panel.className = "kbd-help"; panel.hidden = true; panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", "Keyboard shortcuts");
    panel.innerHTML = "<strong>Keyboard</strong><br>" +
      "<kbd>j</kbd> / <kbd>k</kbd> next / previous question<br><kbd>Enter</kbd> open it<br>" +
      "<kbd>n</kbd> / <kbd>p</kbd> next / previous page<br><kbd>/</kbd> filters<br>" +
      "<kbd>g</kbd> <kbd>q</kbd> back to the queue<br><kbd>c</kbd> claim the question (draft page)<br>" +
      "<kbd>e</kbd> edit the answer (draft page)<br>" +
      "<kbd>Ctrl</kbd>+<kbd>Enter</kbd> save the answer<br><kbd>?</kbd> show / hide this";
    document.body.appendChild(panel);
    var lastG = 0;
    document.addEventListener("keydown", function (ev) {
      if (typing(ev) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "?") { panel.hidden = !panel.hidden; ev.preventDefault(); }
      else if (ev.key === "Escape") { panel.hidden = true; }
      else if (ev.key === "g") { lastG = Date.now(); }
      else if (ev.key === "q" && Date.now() - lastG < 1000) { window.location = "/queue"; }
      else if (ev.key === "c") { var claim = document.querySelector("[data-claim-button]"); if (claim) claim.click(); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-help]"), function (a) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); panel.hidden = !panel.hidden; });
    });
  }

  // ---- Draft page: live preview of the exact outgoing email ----
  function setupEditor() {
    var editor = document.querySelector("[data-editor]");
    if (!editor) return;
    var textarea = editor.querySelector("textarea[name=answer_md]");
    var url = editor.getAttribute("data-preview-url");
    var frame = document.querySelector("[data-preview-html]");
    var text = document.querySelector("[data-preview-text]");
    var subject = document.querySelector("[data-preview-subject]");
    var status = document.querySelector("[data-preview-status]");
    var timer = null, seq = 0;
    function refresh() {
      var mine = ++seq;
      var body = new URLSearchParams();
      body.set("answer_md", textarea.value);
      if (status) status.textContent = "Updating preview…";
      fetch(url, { method: "POST", credentials: "same-origin",
                   headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
                   body: body.toString() })
        .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
        .then(function (data) {
          if (mine !== seq) return;
          if (frame) frame.srcdoc = data.html;
          if (text) text.textContent = data.text;
          if (subject) subject.textContent = data.subject;
          if (status) status.textContent = "Preview of the email as it will be sent.";
        })
        .catch(function (err) { if (status) status.textContent = "Preview unavailable (" + err.message + ")."; });
    }
    textarea.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 350); });
    refresh();

    Array.prototype.forEach.call(document.querySelectorAll("[data-preview-tab]"), function (btn) {
      btn.addEventListener("click", function () {
        var which = btn.getAttribute("data-preview-tab");
        Array.prototype.forEach.call(document.querySelectorAll("[data-preview-tab]"), function (b) {
          b.setAttribute("aria-selected", b === btn ? "true" : "false");
        });
        if (frame) frame.hidden = which !== "html";
        if (text) text.hidden = which !== "text";
      });
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target === textarea) {
        var save = document.querySelector("[data-save]"); if (save) { save.click(); ev.preventDefault(); }
      } else if (ev.key === "e" && !typing(ev) && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !textarea.disabled) {
        textarea.focus(); ev.preventDefault();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupHelp();
    setupQueue();
    setupEditor();
  });
})();
