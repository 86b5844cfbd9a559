// Keyboard shortcuts for the workspace (and for the search box's suggestions). A key pressed outside a field acts on the element that
// carries data-shortcut="<key>": a submit button's form gets its first field focused (or is sent
// when it has no field), any other button is clicked; data-shortcut-target elements are focused.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  // Suggestions under the search box: arrow keys move between them, Escape closes them.
  function suggestions() {
    return Array.prototype.slice.call(document.querySelectorAll("#search-suggest a"));
  }
  document.addEventListener("keydown", function (event) {
    var links = suggestions();
    if (links.length && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      var search = document.querySelector("header input[type=search]");
      var at = links.indexOf(document.activeElement);
      if (at === -1 && document.activeElement !== search) return;
      event.preventDefault();
      var next = event.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) { search.focus(); } else { links[Math.min(next, links.length - 1)].focus(); }
      return;
    }
    if (event.key === "Escape" && (links.length || typing(document.activeElement))) {
      var box = document.getElementById("search-suggest");
      if (box) box.innerHTML = "";
    }
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
