// Loaded on every page (templates/partials/scripts.html): star buttons, site search and
// the citation's copy buttons.

import { wireStarButtons } from "./bookmarks.js";
import { wireCopyButtons } from "./cite.js";
import { wireSiteSearch } from "./search.js";

wireStarButtons();
wireSiteSearch();
wireCopyButtons();
