/* Photos and galleries edited where they stand. Under each photo of a [[photo:K]] or
   [[gallery:K1,K2]] node: its alt text and caption (kept in step with the side panel's photo
   card, which the form submits and static/js/editor.js saves on change), and a flag while it has
   no alt text. In a gallery, each photo moves left or right with a button or by drag; a photo
   node dropped on a photo or a gallery joins it. Every such change is one transaction: one
   undo step. */
import { closeHistory } from "@tiptap/pm/history";
import { NodeSelection } from "@tiptap/pm/state";

const GALLERY_DRAG = "application/x-blog-gallery-photo";
const PHOTO_KINDS = ["photo", "gallery"];
let fieldCount = 0;
let refocus = null;  // the move button to focus again once the gallery is shown in its new order

function cardInput(key, field) {
  return document.getElementById("photo-" + key + "-" + field);
}

function photoName(key) {
  const legend = document.querySelector("#photo-card-" + key + " legend");
  return legend ? legend.textContent.trim() : key;
}

/** The node's field for ``field`` of photo ``key``: typing in it types in the card's field. */
function photoField(key, field, label) {
  const wrapper = document.createElement("div");
  wrapper.className = "photo-node-field";
  const input = document.createElement("input");
  input.id = "photo-node-field-" + (fieldCount += 1);
  input.dataset.key = key;
  input.dataset.field = field;
  input.value = cardInput(key, field).value;
  if (field === "alt") { input.maxLength = 1000; }
  const labelElement = document.createElement("label");
  labelElement.htmlFor = input.id;
  labelElement.textContent = label;
  const forward = (type) => () => {
    const card = cardInput(key, field);
    if (!card) { return; }
    if (card.value !== input.value) { card.value = input.value; }
    card.dispatchEvent(new Event(type, { bubbles: true }));
  };
  input.addEventListener("input", forward("input"));
  input.addEventListener("change", forward("change"));
  wrapper.append(labelElement, input);
  return wrapper;
}

function flagMissingAlt(group) {
  const alt = group.querySelector("input[data-field=alt]");
  const missing = !alt.value.trim();
  group.classList.toggle("needs-alt", missing);
  group.querySelector(".photo-node-flag").hidden = !missing;
}

/** Show the values of the side panel's card for ``key`` in every node field of that photo. */
export function followCard(root, key) {
  root.querySelectorAll(".photo-node-edit[data-key='" + key + "']").forEach((group) => {
    group.querySelectorAll("input[data-field]").forEach((input) => {
      const card = cardInput(key, input.dataset.field);
      if (card && input.value !== card.value) { input.value = card.value; }
    });
    flagMissingAlt(group);
  });
}

function setKeys(getEditor, getPos, node, keys) {
  const editor = getEditor();
  const pos = getPos();
  if (typeof pos !== "number") { return; }
  editor.chain().command(({ tr }) => {
    // A step of its own, however soon after the last one: one undo takes back one move.
    closeHistory(tr.setNodeMarkup(pos, null, { ...node.attrs, keys: keys.join(",") }));
    return true;
  }).run();
}

function moved(keys, index, to) {
  const order = keys.slice();
  const [key] = order.splice(index, 1);
  order.splice(Math.max(0, Math.min(order.length, to)), 0, key);
  return order;
}

function moveButton(label, direction, key, disabled, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "photo-node-move";
  button.textContent = direction === "left" ? "◀" : "▶";
  button.setAttribute("aria-label", label);
  button.title = label;
  button.dataset.move = direction;
  button.dataset.key = key;
  button.disabled = disabled;
  button.addEventListener("click", onClick);
  return button;
}

function photoTools(getEditor, getPos, node, keys, index) {
  const key = keys[index];
  const name = photoName(key);
  const group = document.createElement("div");
  group.className = "photo-node-edit";
  group.dataset.key = key;
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", "Photo " + name);
  group.append(photoField(key, "alt", "Alt text"), photoField(key, "caption", "Caption"));
  const flag = document.createElement("p");
  flag.className = "photo-node-flag";
  flag.textContent = "No alt text yet: say what the photo shows, for people who cannot see it.";
  group.append(flag);
  if (node.attrs.kind === "gallery") {
    const move = (to, direction) => () => {
      refocus = { key, direction };
      setKeys(getEditor, getPos, node, moved(keys, index, to));
    };
    const row = document.createElement("div");
    row.className = "photo-node-moves";
    row.append(
      moveButton("Move " + name + " left", "left", key, index === 0, move(index - 1, "left")),
      moveButton("Move " + name + " right", "right", key, index === keys.length - 1, move(index + 1, "right")),
    );
    group.append(row);
  }
  group.addEventListener("input", () => flagMissingAlt(group));
  flagMissingAlt(group);
  return group;
}

function allowGalleryDrag(getEditor, getPos, node, keys, figure, index) {
  figure.draggable = true;
  figure.addEventListener("dragstart", (event) => {
    event.dataTransfer.setData(GALLERY_DRAG, String(index));
    event.dataTransfer.effectAllowed = "move";
  });
  figure.addEventListener("dragover", (event) => {
    if (event.dataTransfer.types.includes(GALLERY_DRAG)) { event.preventDefault(); }
  });
  figure.addEventListener("drop", (event) => {
    if (!event.dataTransfer.types.includes(GALLERY_DRAG)) { return; }
    event.preventDefault();
    const from = Number(event.dataTransfer.getData(GALLERY_DRAG));
    const box = figure.getBoundingClientRect();
    const after = event.clientX > box.left + box.width / 2;
    let to = index + (after ? 1 : 0);
    if (from < to) { to -= 1; }
    if (from !== to && from >= 0 && from < keys.length) { setKeys(getEditor, getPos, node, moved(keys, from, to)); }
  });
}

/** Adds the photo tools to a photo or gallery node's DOM (after each render by the server). */
export function decoratePhotos(getEditor) {
  return (dom, node, getPos) => {
    if (!PHOTO_KINDS.includes(node.attrs.kind)) { return; }
    const keys = node.attrs.keys.split(",").map((k) => k.trim());
    keys.forEach((key, index) => {
      if (!cardInput(key, "alt")) { return; }  // not a photo of this post: edited in the library
      const tools = photoTools(getEditor, getPos, node, keys, index);
      const figure = dom.querySelector("figure[data-photo='" + key + "']");
      if (figure) {
        figure.insertBefore(tools, figure.querySelector(":scope > figcaption"));  // a figcaption comes last
      } else {
        dom.append(tools);
      }
      if (figure && node.attrs.kind === "gallery") { allowGalleryDrag(getEditor, getPos, node, keys, figure, index); }
    });
    if (refocus) {
      const button = dom.querySelector(".photo-node-move[data-key='" + refocus.key + "'][data-move=" +
        refocus.direction + "]");
      if (button) {
        (button.disabled ? button.parentNode.querySelector("button:not([disabled])") : button).focus();
        refocus = null;
      }
    }
  };
}

/** Events the photo tools handle themselves, which ProseMirror must leave alone. */
export function isPhotoToolEvent(event) {
  const target = event.target;
  if (!(target instanceof Element)) { return false; }
  if (target.closest(".photo-node-edit")) { return true; }
  if (event.type === "dragstart") { return Boolean(target.closest(".directive-gallery figure[draggable=true]")); }
  return Boolean(event.dataTransfer && event.dataTransfer.types.includes(GALLERY_DRAG));
}

/** A photo node dropped on another photo or on a gallery joins it (a gallery, in one step). */
export function joinPhotoOnDrop(view, event, dragging) {
  // ProseMirror keeps what is dragged aside (``dragging.node``) or it is the selected node.
  const selection = (dragging && dragging.node) || view.state.selection;
  if (!(selection instanceof NodeSelection)) { return false; }
  const dragged = selection.node;
  if (dragged.type.name !== "directive" || dragged.attrs.kind !== "photo") { return false; }
  const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
  if (!at || at.inside < 0 || at.inside === selection.from) { return false; }
  const target = view.state.doc.nodeAt(at.inside);
  if (!target || target.type.name !== "directive" || !PHOTO_KINDS.includes(target.attrs.kind)) { return false; }
  event.preventDefault();
  const tr = closeHistory(view.state.tr);
  tr.setNodeMarkup(at.inside, null, { kind: "gallery", keys: target.attrs.keys + "," + dragged.attrs.keys });
  tr.delete(selection.from, selection.to);
  view.dispatch(tr.scrollIntoView());
  return true;
}
