// "My papers": the starred papers, export/import of stars, and "For you" recommendations.

import { exportBookmarks, importBookmarks, onBookmarksChanged, starredIds } from "./bookmarks.js";
import { fetchJSON, paperCard, tracksById } from "./common.js";
import { loadVectors, rankForYou } from "./foryou.js";

const root = document.getElementById("my-papers");
if (root) await start(root);

async function start(root) {
  const [papers, explore] = await Promise.all([fetchJSON("papers.json"), fetchJSON("explore.json")]);
  const byId = new Map(papers.map((paper) => [paper.id, paper]));
  const tracks = tracksById(explore);
  const list = document.getElementById("my-papers-list");
  const status = document.getElementById("my-papers-count");
  const message = document.getElementById("bookmarks-message");
  const forYou = document.getElementById("for-you");
  const forYouList = document.getElementById("for-you-list");
  let vectors = null;

  async function render() {
    const starred = starredIds();
    const mine = papers.filter((paper) => starred.has(paper.id));
    list.replaceChildren(...mine.map((paper) => paperCard(paper, tracks, true)));
    status.textContent = mine.length
      ? `${mine.length} starred paper${mine.length === 1 ? "" : "s"}. Stars stay in this browser; export them to keep or move them.`
      : "No stars yet. Star papers (☆ on a paper card or page) to keep them here. Stars stay in this browser only; nothing is sent anywhere.";
    forYou.hidden = mine.length === 0 || !explore.vectors;
    if (forYou.hidden) return;
    vectors ??= loadVectors();
    const loaded = await vectors;
    performance.mark("foryou-start");
    const ranked = rankForYou(loaded, starred, 20);
    performance.measure("foryou-rank", "foryou-start");
    forYouList.replaceChildren(...ranked.filter((entry) => byId.has(entry.id))
      .map((entry) => paperCard(byId.get(entry.id), tracks, false)));
    root.dataset.forYou = "ready";
  }

  document.getElementById("bookmark-tools").hidden = false;
  document.getElementById("bookmarks-export").addEventListener("click", () => exportBookmarks(document.title));
  document.getElementById("bookmarks-import").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const added = await importBookmarks(file, new Set(byId.keys()));
      message.textContent = `Imported ${added} new star${added === 1 ? "" : "s"}.`;
    } catch (error) {
      message.textContent = `Could not import ${file.name}: ${error.message}`;
    }
    event.target.value = "";
  });
  onBookmarksChanged(render);
  await render();
  root.dataset.ready = "true";
}
