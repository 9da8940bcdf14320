package dev.lathe.engine.nn;

import java.util.ArrayList;
import java.util.List;

/** Children named "0", "1", ... (HF's "layers.N" paths). */
public final class ModuleList<M extends Module> extends Module {
  private final List<String> names = new ArrayList<>();

  public ModuleList(List<M> items) {
    for (int i = 0; i < items.size(); i++) {
      names.add(Integer.toString(i));
      child(names.get(i), items.get(i));
    }
  }

  @SuppressWarnings("unchecked")
  public M get(int i) { return (M) childAt(names.get(i)); }

  public int size() { return names.size(); }
}
