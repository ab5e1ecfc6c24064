// Loaded on every page (templates/partials/scripts.html): star buttons and site search.

import { wireStarButtons } from "./bookmarks.js";
import { wireSiteSearch } from "./search.js";

wireStarButtons();
wireSiteSearch();
