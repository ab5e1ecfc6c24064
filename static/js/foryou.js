// "For you": papers ranked by similarity to the starred ones, in the browser.
//
// vectors.bin holds one int8 row of `dims` numbers per paper (ids in vectors.json),
// each an L2-normalized embedding times 127, so dot(a, b) / 127² approximates cosine.
// The profile is the sum of the starred rows; a paper's score is its dot product with
// the profile. 10,000 papers x 64 dims is 640,000 multiply-adds: a few milliseconds.

import { fetchJSON, siteUrl } from "./common.js";

export async function loadVectors() {
  const [meta, buffer] = await Promise.all([
    fetchJSON("vectors.json"),
    fetch(siteUrl("vectors.bin")).then((response) => {
      if (!response.ok) throw new Error(`vectors.bin: HTTP ${response.status}`);
      return response.arrayBuffer();
    }),
  ]);
  const rows = new Int8Array(buffer);
  if (rows.length !== meta.ids.length * meta.dims) throw new Error("vectors.bin does not match vectors.json");
  return {ids: meta.ids, dims: meta.dims, rows, rowOf: new Map(meta.ids.map((id, row) => [id, row]))};
}

/** Paper ids best first (starred papers left out), with their approximate cosine scores. */
export function rankForYou(vectors, starred, limit = 20) {
  const {ids, dims, rows, rowOf} = vectors;
  const profile = new Float32Array(dims);
  let used = 0;
  for (const id of starred) {
    const row = rowOf.get(id);
    if (row === undefined) continue;
    for (let d = 0; d < dims; d++) profile[d] += rows[row * dims + d];
    used += 1;
  }
  if (!used) return [];
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += profile[d] * profile[d];
  norm = Math.sqrt(norm) * 127 || 1;
  const scores = new Float32Array(ids.length);
  for (let row = 0, offset = 0; row < ids.length; row++, offset += dims) {
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += rows[offset + d] * profile[d];
    scores[row] = dot / norm;
  }
  // Partial selection: keep the best `limit` in a small sorted array.
  const best = [];
  for (let row = 0; row < ids.length; row++) {
    if (starred.has(ids[row])) continue;
    const score = scores[row];
    if (best.length === limit && score <= best[best.length - 1].score) continue;
    let at = best.length;
    while (at > 0 && best[at - 1].score < score) at--;
    best.splice(at, 0, {id: ids[row], score});
    if (best.length > limit) best.pop();
  }
  return best;
}
