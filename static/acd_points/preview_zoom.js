// Image previews on the mail page: an image shown smaller than its natural size can be clicked to see it
// at that size (scrollable inside its box) and clicked again to fit; one shown whole is left alone.
(function () {
  "use strict";

  function shrunk(image) {
    return image.naturalWidth > image.clientWidth + 1 || image.naturalHeight > image.clientHeight + 1;
  }

  function mark(image) {
    const zoomable = image.classList.contains("zoomed") || shrunk(image);
    image.classList.toggle("zoomable", zoomable);
    if (zoomable) {
      image.tabIndex = 0;
      image.setAttribute("role", "button");
      image.setAttribute("aria-pressed", image.classList.contains("zoomed") ? "true" : "false");
      image.title = image.dataset.zoomHint || "";
    } else {
      ["tabindex", "role", "aria-pressed", "title"].forEach(function (name) { image.removeAttribute(name); });
    }
  }

  function toggle(image) {
    if (!image.classList.contains("zoomable")) {
      return;
    }
    image.classList.toggle("zoomed");
    mark(image);
  }

  document.querySelectorAll("img.preview").forEach(function (image) {
    if (image.complete) {
      mark(image);
    } else {
      image.addEventListener("load", function () { mark(image); });
    }
    image.addEventListener("click", function () { toggle(image); });
    image.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        toggle(image);
      }
    });
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll("img.preview").forEach(mark);
  });
})();
