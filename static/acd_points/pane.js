// The mail page inside the mail list's preview pane. A PDF preview loading takes the keyboard focus, and
// the browser scrolls it into view, hiding the mail's subject and headers; until the operator reaches into
// the pane (pointer, wheel, touch, keys), the pane stays at its top.
(function () {
  "use strict";
  let touched = false;
  ["pointerdown", "wheel", "touchstart", "keydown"].forEach(function (kind) {
    window.addEventListener(kind, function () { touched = true; }, { passive: true });
  });
  function backToTop() {
    if (!touched && window.scrollY !== 0) {
      window.scrollTo(0, 0);
    }
  }
  window.addEventListener("scroll", backToTop, { passive: true });
  document.addEventListener("focusin", backToTop);
  window.addEventListener("load", backToTop);
})();
