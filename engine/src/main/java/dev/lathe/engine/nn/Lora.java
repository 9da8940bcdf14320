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
    Set<String> unmatched = new TreeSet<>(spec.targets());
    List<Site> sites = new ArrayList<>();
    for (var e : new ArrayList<>(root.namedModules().entrySet())) {
      for (var c : e.getValue().children().entrySet()) {
        if (!(c.getValue() instanceof Linear lin)) continue;
        String path = e.getKey().isEmpty() ? c.getKey() : e.getKey() + "." + c.getKey();
        String hit = match(path, c.getKey(), spec);
        if (hit == null) continue;
        unmatched.remove(hit);
        sites.add(new Site(e.getValue(), c.getKey(), path, lin));
      }
    }
    if (!unmatched.isEmpty()) {
      throw new IllegalArgumentException("lora_target_modules " + unmatched + " match no linear layer of the model; linear layers are named "
          + linearNames(root));
    }
    checkSize(sites, spec.r());
    Map<String, LoraLinear> out = new LinkedHashMap<>();
    for (Site site : sites) {
      LoraLinear lora = new LoraLinear(site.linear(), spec, sw);
      site.parent().replaceChild(site.name(), lora);
      out.put(site.path(), lora);
    }
    root.requiresGrad(false);
    for (LoraLinear l : out.values()) {
      l.loraA().requiresGrad(true);
      l.loraB().requiresGrad(true);
    }
    return out;
  }

  private record Site(Module parent, String name, String path, Linear linear) {}

  /**
   * Refuses, before allocating, adapters larger than the machine's memory (lora_r: 2000000000 once
   * surfaced as libtorch's allocation failure naming no key).
   */
  private static void checkSize(List<Site> sites, int r) {
    double params = 0;
    for (Site s : sites) params += (double) r * (s.linear().inFeatures() + s.linear().outFeatures());
    double bytes = params * 4 * 4; // fp32 weights, their gradients and AdamW's two moments
    long total = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    if (bytes > total) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "lora_r: %d gives adapters of %.3g parameters over %d layers "
          + "(%.3g GB with gradients and optimizer state), more than this machine's %.3g GB of memory; expected a rank such as 8-64",
          r, params, sites.size(), bytes / 1e9, total / 1e9));
    }
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
