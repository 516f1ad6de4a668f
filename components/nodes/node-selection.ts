// The Nodes page's selection for bulk actions: ticked names, or every node the filter matches
// except the names unticked since "Select all N matching". Unticking a row never shrinks "all
// matching" to the page shown: it leaves that one node out.

export interface NodeSelection {
  /** The filter (query string) the selection was made under; another filter starts it afresh. */
  search: string;
  /** The names ticked (when not all). */
  names: ReadonlySet<string>;
  /** Every node the filter matches, except the names in `except`. */
  all: boolean;
  except: ReadonlySet<string>;
}

export const noSelection = (search: string): NodeSelection => ({
  search,
  names: new Set(),
  all: false,
  except: new Set(),
});

export const isSelected = (selection: NodeSelection, name: string): boolean =>
  selection.all ? !selection.except.has(name) : selection.names.has(name);

/** The selection with `names` ticked (checked) or unticked. */
export function tick(selection: NodeSelection, names: readonly string[], checked: boolean): NodeSelection {
  const next = new Set(selection.all ? selection.except : selection.names);
  for (const name of names) {
    if (checked === !selection.all) next.add(name);
    else next.delete(name);
  }
  return selection.all ? { ...selection, except: next } : { ...selection, names: next };
}
