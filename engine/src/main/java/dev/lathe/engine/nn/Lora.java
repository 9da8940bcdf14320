package dev.lathe.engine.nn;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Injects LoRA layers into a model: every {@link Linear} whose path matches the spec is
 * replaced by a {@link LoraLinear} holding its weights, then everything except the adapters
 * is frozen. Returns the adapted layers by path ("model.layers.0.self_attn.q_proj").
 */
public final class Lora {
  /** Heads that never take an adapter under lora_target_linear (PEFT excludes the output layer). */
  static final Set<String> HEADS = Set.of("lm_head", "score");

  private Lora() {}

  public static Map<String, LoraLinear> inject(Module root, LoraSpec spec, AdapterSwitch sw) {
    Map<String, LoraLinear> out = new LinkedHashMap<>();
    Set<String> unmatched = new TreeSet<>(spec.targets());
    List<Map.Entry<String, Module>> modules = new ArrayList<>(root.namedModules().entrySet());
    for (var e : modules) {
      for (var c : e.getValue().children().entrySet()) {
        if (!(c.getValue() instanceof Linear lin)) continue;
        String path = e.getKey().isEmpty() ? c.getKey() : e.getKey() + "." + c.getKey();
        String hit = match(path, c.getKey(), spec);
        if (hit == null) continue;
        unmatched.remove(hit);
        LoraLinear lora = new LoraLinear(lin, spec, sw);
        e.getValue().replaceChild(c.getKey(), lora);
        out.put(path, lora);
      }
    }
    if (!unmatched.isEmpty()) {
      throw new IllegalArgumentException("lora_target_modules " + unmatched + " match no linear layer of the model; linear layers are named "
          + linearNames(root));
    }
    root.requiresGrad(false);
    for (LoraLinear l : out.values()) {
      l.loraA().requiresGrad(true);
      l.loraB().requiresGrad(true);
    }
    return out;
  }

  // the target that selects this path, "*" for all-linear, or null
  private static String match(String path, String name, LoraSpec spec) {
    for (String t : spec.targets()) {
      if (name.equals(t) || path.equals(t) || path.endsWith("." + t)) return t;
    }
    if (spec.allLinear() && !HEADS.contains(name)) return "*";
    return null;
  }

  private static Set<String> linearNames(Module root) {
    Set<String> names = new TreeSet<>();
    for (Module m : root.namedModules().values()) {
      m.children().forEach((n, c) -> { if (c instanceof Linear) names.add(n); });
    }
    return names;
  }
}
