// The papers page's "Discussion" sort and badges, from the chat activity the freeze
// embedded (templates/papers.html, from chat/activity.json): nothing without it.

const data = document.getElementById("paper-discussion");
const discussion = new Map(Object.entries(data ? JSON.parse(data.textContent) : {}));

/** Most messages first, then the latest message, then the given (title) order. */
export function byDiscussion(items) {
  const none = [0, 0, 0, 0];
  const of = (item) => discussion.get(item.paper.id) || none;
  return items.slice().sort((a, b) => of(b)[0] - of(a)[0] || of(b)[2] - of(a)[2]);
}

/** The card, with "Discussion: 12 messages from 4 people" under its authors where its
 * room has any. */
export function withDiscussionBadge(card, paperId) {
  const entry = discussion.get(paperId);
  if (!entry) return card;
  const [messages, people, , more] = entry;
  const badge = document.createElement("p");
  badge.className = "discussion-badge";
  const count = `${messages.toLocaleString("en")}${more ? "+" : ""} message${messages === 1 ? "" : "s"}`;
  badge.textContent = `Discussion: ${count} from ${people} ${people === 1 ? "person" : "people"}`;
  const byline = card.querySelector(".byline");
  if (byline) byline.after(badge);
  else card.append(badge);
  return card;
}
