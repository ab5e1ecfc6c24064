// "Cite this paper" on paper pages: buttons that copy the BibTeX or the plain reference.
// Without JavaScript (or a clipboard) the text stays there to select by hand.

export function wireCopyButtons() {
  const tools = document.querySelector(".cite-tools");
  if (!tools || !navigator.clipboard) return;
  tools.hidden = false;
  const status = tools.querySelector(".cite-status");
  tools.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent);
      status.textContent = `${button.textContent.replace("Copy ", "")} copied.`;
    } catch {
      // Refused (no permission, page not focused): select it so that Ctrl+C copies it.
      getSelection().selectAllChildren(source);
      status.textContent = "Press Ctrl+C (⌘C) to copy the selected text.";
    }
  });
}
