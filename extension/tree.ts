/** The Subscriptions view: tree-model nodes as TreeItems, refreshed live at most once a second. */
import * as vscode from 'vscode';
import { Throttle } from './throttle';
import { buildTree, type TreeInput, type TreeNode, type ViewState } from './tree-model';

const ICONS: Record<ViewState, [string, string | undefined]> = {
  active: ['pass-filled', 'testing.iconPassed'],
  pending: ['loading~spin', undefined],
  stale: ['warning', 'list.warningForeground'],
  reconnecting: ['sync~spin', 'list.warningForeground'],
  down: ['error', 'list.errorForeground'],
  error: ['error', 'list.errorForeground'],
  stopped: ['circle-slash', 'disabledForeground'],
};

const t = (message: string, ...args: Array<string | number>) => vscode.l10n.t(message, ...args);

export const VIEW_ID = 'candlewire.subscriptions';

export class SubscriptionsTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<TreeNode>;
  private roots: TreeNode[] = [];
  private readonly byId = new Map<string, { node: TreeNode; parent?: TreeNode }>();
  private readonly throttle: Throttle;
  private ageTimer: NodeJS.Timeout | undefined;

  constructor(private readonly input: () => Omit<TreeInput, 't'>) {
    this.throttle = new Throttle(() => this.rebuild(), 1000);
    this.view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.view.onDidChangeVisibility((e) => e.visible && this.refresh());
    this.rebuild();
  }

  /** Rebuilds at once (a subscription was added or removed, the sidecar changed state). */
  refresh(): void {
    this.throttle.flush();
  }

  /** Rebuilds soon (prices and ages changed). */
  touch(): void {
    if (this.view.visible) this.throttle.schedule();
  }

  /** The nodes as they are now (the view itself may lag by up to a second). */
  snapshot(): TreeNode[] {
    return buildTree({ ...this.input(), t });
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.roots;
    const current = this.byId.get(node.id)?.node ?? node;
    return current.kind === 'subscription' ? [] : current.children;
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return this.byId.get(node.id)?.parent;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const collapsible = node.kind === 'subscription' ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Expanded;
    const item = new vscode.TreeItem(node.label, collapsible);
    item.id = node.id;
    item.description = node.description;
    const [icon, color] = ICONS[node.state];
    if (node.kind === 'subscription') {
      item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
      item.contextValue = `subscription.${node.entry.spec.channel}`;
      const md = new vscode.MarkdownString(undefined, true);
      md.appendMarkdown(`**${node.label}**\n\n`);
      md.appendText(`${node.entry.spec.exchange} · ${node.entry.spec.market}\n\n${node.detail}`);
      if (node.entry.key) md.appendMarkdown(`\n\n\`${node.entry.key}\``);
      item.tooltip = md;
      item.command = node.entry.spec.channel === 'kline' ? { command: 'candlewire.openChart', title: t('Open Chart'), arguments: [node] } : undefined;
    } else if (node.kind === 'market') {
      item.iconPath = new vscode.ThemeIcon(node.state === 'active' ? 'graph-line' : icon, color ? new vscode.ThemeColor(color) : undefined);
      item.contextValue = 'market';
    } else {
      item.iconPath = new vscode.ThemeIcon(node.state === 'active' ? 'globe' : icon, color ? new vscode.ThemeColor(color) : undefined);
      item.contextValue = 'exchange';
    }
    return item;
  }

  dispose(): void {
    this.throttle.dispose();
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.view.dispose();
    this.changed.dispose();
  }

  private rebuild(): void {
    this.roots = buildTree({ ...this.input(), t });
    this.byId.clear();
    const walk = (nodes: TreeNode[], parent?: TreeNode) => {
      for (const n of nodes) {
        this.byId.set(n.id, { node: n, parent });
        if (n.kind !== 'subscription') walk(n.children, n);
      }
    };
    walk(this.roots);
    this.changed.fire();
    // Ages ("12 s") grow with no data arriving; keep them honest while the view is visible.
    if (this.ageTimer) clearTimeout(this.ageTimer);
    this.ageTimer = this.roots.length ? setTimeout(() => this.touch(), 5000) : undefined;
  }
}
