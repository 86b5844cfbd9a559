// Keyboard shortcuts for the workspace. A key pressed outside a field acts on the element that
// carries data-shortcut="<key>": a submit button's form gets its first field focused (or is sent
// when it has no field), any other button is clicked; data-shortcut-target elements are focused.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (key === "/") {
      var search = document.querySelector("header input[type=search]");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
      return;
    }
    var target = document.querySelector('[data-shortcut-target="' + CSS.escape(key) + '"]');
    if (target) { event.preventDefault(); target.focus(); target.scrollIntoView({block: "start"}); return; }
    var el = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (!el) return;
    event.preventDefault();
    if (el.getAttribute("aria-controls")) {
      var panel = document.getElementById(el.getAttribute("aria-controls"));
      if (panel) panel.hidden = !panel.hidden;
      return;
    }
    var form = el.form;
    var first = form && form.querySelector("select, input:not([type=hidden]), textarea");
    if (first) { first.scrollIntoView({block: "center"}); first.focus(); } else { el.click(); }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[aria-controls]");
    if (!el) return;
    var panel = document.getElementById(el.getAttribute("aria-controls"));
    if (panel) panel.hidden = !panel.hidden;
  });
})();
