// Talks and posters (see templates/partials/media_macros.html).
//
// Click-to-load video players:
// A hosted talk is shown as a thumbnail with a play button; the provider's player is
// created only when the visitor presses it, so merely browsing a paper page sends no
// request to YouTube, Vimeo or SlidesLive. The embed URL comes from a data-* attribute
// (the Content-Security-Policy forbids inline script).
//
// PDF viewers: a same-origin poster or slides PDF in a lazy frame, added here once the
// page is parsed, so no frame is in the page's HTML and none can delay its first render.
"use strict";

function loadPlayer(facade) {
  const frame = document.createElement("iframe");
  frame.className = "media-frame";
  frame.src = facade.dataset.embedSrc;
  frame.title = facade.dataset.embedTitle;
  frame.allow = "autoplay; fullscreen; picture-in-picture; encrypted-media";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  facade.replaceChildren(frame);
  facade.classList.add("is-playing");
  // Keyboard users stay where they were: the player takes the button's place in focus.
  frame.focus();
}

// The page holds a link to the talk on its host (what works without JavaScript); here
// it becomes a real button (Enter or Space) that plays the talk in the page.
for (const facade of document.querySelectorAll(".media-facade[data-embed-src]")) {
  const link = facade.querySelector("a.media-play");
  if (link) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = link.className;
    button.setAttribute("aria-describedby", link.getAttribute("aria-describedby"));
    button.append(...link.childNodes);
    link.replaceWith(button);
    button.addEventListener("click", () => loadPlayer(facade), { once: true });
  }
}

for (const viewer of document.querySelectorAll(".pdf-viewer[data-pdf-src]")) {
  const frame = document.createElement("iframe");
  frame.className = `pdf-frame pdf-frame-${viewer.dataset.pdfKind}`;
  frame.loading = "lazy";
  frame.src = viewer.dataset.pdfSrc;
  frame.title = viewer.dataset.pdfTitle;
  viewer.append(frame);
}
