// Draw to Video — registers the Draw Path canvas widget of D2V_DrawPathInput with ComfyUI.
//
// The drawing lives in the node's real `path_json` STRING input (hidden in normal use), so workflows, API
// prompts, copy/paste and graph undo carry it. The canvas is a DOM widget that is not serialized itself.
// This file only glues the parts to ComfyUI: d2v_path_core.js (pure helpers), d2v_path_model.js (the drawing,
// undo, the server's live readout) and d2v_path_view.js (DOM/canvas); core, model and the view's key map are
// tested with `node --test tests/web/`.
import { app } from "../../../scripts/app.js";
import { api } from "../../../scripts/api.js";
import { viewQuery } from "./d2v_path_core.js";
import { PathModel } from "./d2v_path_model.js";
import {
  MIN_CANVAS_H, PathView, STATUS_H, TOOLBAR_H, installStyle, loadImageElement, openEditor, setJsonVisible,
} from "./d2v_path_view.js";

const NODE_TYPE = "D2V_DrawPathInput";
const CANVAS_WIDGET = "d2v_path_canvas";
const EDITOR_BUTTON = "drawing editor";

/** What the model needs from the page, backed by ComfyUI's app and api. */
const comfyHost = {
  fetchApi: (route, init) => api.fetchApi(route, init),
  fileUrl: (ref) => api.apiURL(viewQuery(ref)),
  nodeOutputs: () => app.nodeOutputs,
  checkpoint: () => app.extensionManager?.workflow?.activeWorkflow?.changeTracker?.checkState?.(),
  loadImage: loadImageElement,
};

function setupNode(node) {
  installStyle();
  const model = new PathModel(node, comfyHost);
  node.d2vPath = model;
  const pathWidget = model.widget;
  if (pathWidget) setJsonVisible(node, pathWidget, false); // a real input (saved, sent to the server), just not shown
  const view = new PathView(model, { onExpand: () => openEditor(model) });
  const widget = node.addDOMWidget(CANVAS_WIDGET, "d2v_path_canvas", view.root, {
    serialize: false,
    hideOnZoom: true,
    getValue: () => "",
    setValue: () => {},
    getMinHeight: () => TOOLBAR_H + STATUS_H + MIN_CANVAS_H,
    getHeight: () => TOOLBAR_H + STATUS_H + 300,
    onDraw: () => {
      // cheap per-frame checks: the text changed outside the widget, or the upstream image changed
      model.sync();
      model.refreshBackground();
    },
    afterResize: () => view.requestRender(),
  });
  widget.serialize = false;
  node.d2vView = view;
  const label = "Open large drawing editor";
  const button = node.addWidget("button", EDITOR_BUTTON, null, () => openEditor(model), { serialize: false, label });
  button.label = label;
  button.serialize = false;
  const [w, h] = node.size;
  node.setSize([Math.max(w, 460), Math.max(h, 440)]);
  model.sync();
  model.refreshBackground();
}

// Register once per page even if the pack's web folder is served under two names.
if (!window.__d2vDrawPathRegistered) {
window.__d2vDrawPathRegistered = true;
app.registerExtension({
  name: "draw_to_video.DrawPath",
  async beforeRegisterNodeDef(nodeType, nodeData) {
    if (nodeData?.name !== NODE_TYPE) return;
    const onNodeCreated = nodeType.prototype.onNodeCreated;
    nodeType.prototype.onNodeCreated = function () {
      const r = onNodeCreated?.apply(this, arguments);
      try {
        setupNode(this);
      } catch (e) {
        console.error("[draw_to_video] could not set up the Draw Path widget", e);
      }
      return r;
    };
    const onConfigure = nodeType.prototype.onConfigure;
    nodeType.prototype.onConfigure = function () {
      const r = onConfigure?.apply(this, arguments);
      // loaded from a workflow, pasted, or restored by graph undo: path_json holds the drawing
      this.d2vPath?.sync();
      this.d2vPath?.refreshBackground(true);
      return r;
    };
    const onExecuted = nodeType.prototype.onExecuted;
    nodeType.prototype.onExecuted = function (output) {
      const r = onExecuted?.apply(this, arguments);
      this.d2vPath?.setOwnPreview(output?.images);
      return r;
    };
    const onConnectionsChange = nodeType.prototype.onConnectionsChange;
    nodeType.prototype.onConnectionsChange = function () {
      const r = onConnectionsChange?.apply(this, arguments);
      this.d2vPath?.refreshBackground();
      this.d2vPath?.scheduleAnalysis();
      return r;
    };
    const onRemoved = nodeType.prototype.onRemoved;
    nodeType.prototype.onRemoved = function () {
      const r = onRemoved?.apply(this, arguments);
      this.d2vPath?.modal?.close();
      this.d2vView?.dispose();
      return r;
    };
    // The preview image is shown inside the drawing canvas (as its fallback background); no second copy below it.
    nodeType.prototype.onDrawBackground = function () {};
  },
});
}
