// Ranked search over the papers, in the browser: the papers page, the header's search
// box and the map's highlight all use it, so a query finds the same papers everywhere.
//
// - Words are letters and digits, lowercased, accents removed, lightly stemmed
//   ("diffusions" ~ "diffusion", "studies" ~ "study"): see stem().
// - Every query word must match, as a whole word or as the start of a word (so
//   "diffus" finds "diffusion" while typing); whole words score more than prefixes.
//   A quoted "phrase" must appear with its words in order, in one field.
// - Ranking is BM25F: a word counts by the field it is in (title > keywords > authors
//   and affiliations > TL;DR > abstract), less in long fields, and more when few papers
//   have it, so the paper whose title is the query comes first.
//
// The index is an inverted index built once per page (about 1 s of CPU for 10,000
// papers with abstracts, after the page is interactive); a query reads only the
// postings of its words, so a keystroke costs milliseconds.

import { el, fetchJSON } from "./common.js";

export const FIELDS = ["title", "keywords", "authors", "tldr", "abstract"];
const FIELD_WEIGHTS = [8, 5, 3, 2, 1];
const PREFIX_WEIGHT = 0.4; // a word that only starts with the query word counts this much
const PHRASE_BOOST = 1.5;
const K1 = 1.2;
const B = 0.75;
const WORD = /[\p{L}\p{N}]+/gu;
const MARKS = /\p{M}/gu;
// Common words that would only narrow a query ("learning of graphs" ~ "learning graphs").
const STOPWORDS = new Set(("a an and are as at be by for from in into is it of on or that the " +
  "their this to via we with").split(" "));

/** Lowercase, without accents (Müller ~ muller). */
export function fold(text) {
  const lower = text.toLowerCase();
  return /[^\x00-\x7f]/.test(lower) ? lower.normalize("NFKD").replace(MARKS, "") : lower;
}

/** A light English stemmer (plural forms only): predictable, and it never changes a word's start. */
export function stem(word) {
  if (word.length <= 3 || !/[a-z]$/.test(word)) return word;
  if (word.endsWith("ies") && !/[ae]ies$/.test(word)) return word.slice(0, -3) + "y";
  if (word.endsWith("es") && /(ss|sh|ch|x|z)es$/.test(word)) return word.slice(0, -2);
  if (word.endsWith("s") && !/(ss|us|is|ous)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** The stemmed words of a text, in order. */
export function tokens(text) {
  return text ? (fold(text).match(WORD) || []).map(stem) : [];
}

/**
 * The query's terms ({stem, exact}: exact terms come from quoted phrases and match only
 * whole words) and phrases (lists of stems). Common words are left out unless the
 * query is only common words.
 */
export function parseQuery(query) {
  const phrases = [];
  const loose = (query || "").replace(/"([^"]*)"?/g, (_, phrase) => {
    const words = tokens(phrase);
    if (words.length > 1) phrases.push(words);
    else if (words.length === 1) phrases.push(words);
    return " ";
  });
  const terms = [];
  const seen = new Set();
  const add = (word, exact) => {
    const key = `${word}${exact ? "" : "*"}`;
    if (!seen.has(key)) { seen.add(key); terms.push({stem: word, exact}); }
  };
  for (const phrase of phrases) for (const word of phrase) add(word, true);
  const words = tokens(loose);
  const content = words.filter((word) => !STOPWORDS.has(word));
  for (const word of (content.length || terms.length ? content : words)) add(word, false);
  return {terms, phrases: phrases.filter((phrase) => phrase.length > 1)};
}

/**
 * The index of documents given as lists of field texts (in FIELDS order).
 * Postings are per term: flat [doc * FIELDS.length + field, count, ...].
 */
export function buildIndex(docs) {
  const fieldCount = FIELDS.length;
  const ids = new Map();
  const postings = [];
  const lengths = new Float32Array(docs.length * fieldCount);
  const totals = new Float64Array(fieldCount);
  const counts = new Map();
  docs.forEach((fields, doc) => {
    for (let f = 0; f < fieldCount; f++) {
      const words = tokens(fields[f] || "");
      lengths[doc * fieldCount + f] = words.length;
      totals[f] += words.length;
      counts.clear();
      for (const word of words) counts.set(word, (counts.get(word) || 0) + 1);
      for (const [word, count] of counts) {
        let id = ids.get(word);
        if (id === undefined) { id = postings.length; ids.set(word, id); postings.push([]); }
        postings[id].push(doc * fieldCount + f, count);
      }
    }
  });
  const vocabulary = [...ids.keys()].sort();
  const averages = Array.from(totals, (total) => Math.max(1, total / Math.max(1, docs.length)));
  return {docs, ids, postings, lengths, averages, vocabulary, size: docs.length};
}

/** Ids of the terms a query word matches: [id, weight] for the word itself and words it starts. */
function matchingTerms(index, term) {
  const found = [];
  const exactId = index.ids.get(term.stem);
  if (exactId !== undefined) found.push([exactId, 1]);
  if (term.exact) return found;
  const words = index.vocabulary;
  let low = 0;
  let high = words.length;
  while (low < high) { const mid = (low + high) >> 1; if (words[mid] < term.stem) low = mid + 1; else high = mid; }
  for (let i = low; i < words.length && words[i].startsWith(term.stem); i++) {
    if (words[i] !== term.stem) found.push([index.ids.get(words[i]), PREFIX_WEIGHT]);
  }
  return found;
}

function containsPhrase(text, phrase) {
  const words = tokens(text);
  outer: for (let i = 0; i + phrase.length <= words.length; i++) {
    for (let j = 0; j < phrase.length; j++) if (words[i + j] !== phrase[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * Search: null for an empty query, else {matched (Uint8Array, 1 per matching doc),
 * scores (Float64Array), count, query (parsed, for marking matches)}.
 */
export function search(index, query) {
  const parsed = parseQuery(query);
  if (!parsed.terms.length) return null;
  const fieldCount = FIELDS.length;
  const {size, lengths, averages, postings} = index;
  const scores = new Float64Array(size);
  const hits = new Uint8Array(size);
  const weighted = new Float64Array(size);
  // Length normalisation of every (doc, field), computed once per search.
  const norms = new Float32Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) {
    const f = i % fieldCount;
    norms[i] = FIELD_WEIGHTS[f] / (1 - B + B * (lengths[i] / averages[f]));
  }
  let required = 0;
  for (const term of parsed.terms) {
    required += 1;
    const touched = [];
    for (const [id, weight] of matchingTerms(index, term)) {
      const list = postings[id];
      for (let p = 0; p < list.length; p += 2) {
        const slot = list[p];
        const doc = (slot / fieldCount) | 0;
        if (weighted[doc] === 0) touched.push(doc);
        weighted[doc] += weight * list[p + 1] * norms[slot];
      }
    }
    const idf = Math.log(1 + (size - touched.length + 0.5) / (touched.length + 0.5));
    for (const doc of touched) {
      const x = weighted[doc];
      if (hits[doc] === required - 1) hits[doc] = required;
      scores[doc] += idf * x / (K1 + x);
      weighted[doc] = 0;
    }
  }
  const matched = new Uint8Array(size);
  let count = 0;
  for (let doc = 0; doc < size; doc++) {
    if (hits[doc] !== required) continue;
    if (parsed.phrases.length) {
      const fields = index.docs[doc];
      if (!parsed.phrases.every((phrase) => fields.some((text) => text && containsPhrase(text, phrase)))) continue;
      scores[doc] *= PHRASE_BOOST;
    }
    matched[doc] = 1;
    count += 1;
  }
  return {matched, scores, count, query: parsed};
}

/** The matching docs' indices, best first; ties keep the order of `tieRank` (or the index). */
export function rankedOrder(result, tieRank = null) {
  const order = [];
  for (let doc = 0; doc < result.matched.length; doc++) if (result.matched[doc]) order.push(doc);
  const {scores} = result;
  order.sort((a, b) => scores[b] - scores[a] || (tieRank ? tieRank[a] - tieRank[b] : a - b));
  return order;
}

/** Does one word of a text match a query term (for marking)? */
function wordMatches(word, terms) {
  const stemmed = stem(fold(word));
  return terms.some((term) => stemmed === term.stem || (!term.exact && stemmed.startsWith(term.stem)));
}

/** A text as nodes, with the words that match the query in <mark> (text is never parsed as HTML). */
export function marked(text, parsedQuery) {
  if (!parsedQuery || !text) return [text || ""];
  const nodes = [];
  let last = 0;
  for (const match of text.matchAll(WORD)) {
    if (!wordMatches(match[0], parsedQuery.terms)) continue;
    if (match.index > last) nodes.push(text.slice(last, match.index));
    nodes.push(el("mark", {}, match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

/** A paper's fields for the index, in FIELDS order (the abstract comes from search.json). */
export function paperFields(paper, abstract = "") {
  return [
    paper.title,
    paper.keywords.join(" · "),
    [...paper.authors, ...(paper.affiliations || [])].join(" · "),
    paper.tldr || "",
    abstract,
  ];
}

const indexes = new Map();

/**
 * The index of every paper, once per page however many features ask: "titles" (from
 * papers.json only, quick) or "full" (with the abstracts of search.json).
 */
export function paperIndex(kind = "full") {
  if (!indexes.has(kind)) {
    indexes.set(kind, (async () => {
      const papers = await fetchJSON("papers.json");
      const abstracts = kind === "full" ? (await fetchJSON("search.json")).papers : [];
      return buildIndex(papers.map((paper, i) => paperFields(paper, abstracts[i] || "")));
    })());
  }
  return indexes.get(kind);
}
