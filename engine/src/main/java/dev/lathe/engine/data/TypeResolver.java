package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a dataset entry's `type` for a method, as Axolotl's resolver does (§2): a bare name gets
 * ".default"; the package searched depends on `rl`. An unknown type lists the valid ones for that rl.
 * Returns null when no transform applies (no type, or passthrough).
 */
public final class TypeResolver {
  private TypeResolver() {}

  public static List<String> validTypes(Method m) {
    List<String> out = new ArrayList<>();
    if (m.isKto()) {
      for (String f : List.of("chatml", "llama3")) {
        FixedFormatTypes.KTO_FUNCTIONS.forEach(fn -> out.add(f + "." + fn));
      }
    } else if (m == Method.ORPO) {
      out.add("chat_template.argilla");
    } else if (m == Method.REWARD_MODEL) {
      out.add("bradley_terry.chat_template");
    } else {
      if (m == Method.EBFT) out.addAll(EbftTypes.TYPES);
      for (String f : List.of("chatml", "llama3")) {
        out.add(f);
        FixedFormatTypes.DPO_FUNCTIONS.forEach(fn -> out.add(f + "." + fn));
      }
      out.addAll(List.of("zephyr.nectar", "chat_template", "chat_template.default", "chat_template.argilla_chat",
          "passthrough", "passthrough.default"));
    }
    return out;
  }

  public static TypeStrategy resolve(Method m, DatasetSpec spec, String label, DataConfig cfg,
      ChatRenderer.Source templates, DataWarnings warnings) {
    if (spec.transform != null) {
      return functionTransform(spec);
    }
    if (spec.typeMapping != null) {
      if (m.isKto()) {
        return UserDefinedTypes.kto(spec.typeMapping, label);
      }
      if (m.usesDpoTypes()) {
        return UserDefinedTypes.dpo(spec.typeMapping, label);
      }
      throw unknown(m, "a mapping (user_defined)", label);
    }
    if (spec.type == null || spec.type.isEmpty()) {
      return null;
    }
    String t = spec.type.contains(".") ? spec.type : spec.type + ".default";
    String family = t.substring(0, t.lastIndexOf('.'));
    String fn = t.substring(t.lastIndexOf('.') + 1);
    if (m.isKto()) {
      if ((family.equals("chatml") || family.equals("llama3")) && FixedFormatTypes.KTO_FUNCTIONS.contains(fn)) {
        return FixedFormatTypes.kto(family.equals("chatml") ? Fragments.CHATML : Fragments.LLAMA3, fn);
      }
    } else if (m == Method.ORPO) {
      if (t.equals("chat_template.argilla")) {
        warnDatasetTemplateIgnored(spec, label, m, warnings);
        return OrpoAndRewardTypes.orpoArgilla(renderer(cfg.chatTemplate, cfg.chatTemplateJinja, cfg, templates, label));
      }
    } else if (m == Method.REWARD_MODEL) {
      if (t.equals("bradley_terry.chat_template")) {
        return OrpoAndRewardTypes.bradleyTerry(datasetRenderer(spec, cfg, templates, label));
      }
    } else {
      if (m == Method.EBFT && family.startsWith("ebft_")) {
        TypeStrategy e = EbftTypes.resolve(t, label);
        if (e != null) return e;
      }
      TypeStrategy s = dpoFamily(m, spec, label, cfg, templates, warnings, t, family, fn);
      if (s != null || t.equals("passthrough.default")) {
        return s;
      }
    }
    throw unknown(m, "'" + spec.type + "'", label);
  }

  private static TypeStrategy dpoFamily(Method m, DatasetSpec spec, String label, DataConfig cfg,
      ChatRenderer.Source templates, DataWarnings warnings, String t, String family, String fn) {
    if (family.equals("chatml") || family.equals("llama3")) {
      Fragments f = family.equals("chatml") ? Fragments.CHATML : Fragments.LLAMA3;
      if (fn.equals("argilla")) {
        warnings.warn(label + ": type " + t + " was renamed to " + family + ".default in Axolotl (which now rejects "
            + "it); Lathe accepts it as an alias", null);
        fn = "default";
      }
      return FixedFormatTypes.DPO_FUNCTIONS.contains(fn) ? FixedFormatTypes.dpo(f, fn) : null;
    }
    return switch (t) {
      case "zephyr.nectar" -> FixedFormatTypes.zephyrNectar();
      case "chat_template.default" -> {
        warnDatasetTemplateIgnored(spec, label, m, warnings);
        yield ChatTemplateTypes.dpoDefault(spec, renderer(cfg.chatTemplate, cfg.chatTemplateJinja, cfg, templates, label));
      }
      case "chat_template.argilla_chat" -> {
        warnDatasetTemplateIgnored(spec, label, m, warnings);
        yield ChatTemplateTypes.dpoArgillaChat(spec, renderer(cfg.chatTemplate, cfg.chatTemplateJinja, cfg, templates, label));
      }
      default -> null;
    };
  }

  /** Axolotl drops a per-dataset chat_template for these rl values; Lathe keeps its output but says so. */
  private static void warnDatasetTemplateIgnored(DatasetSpec spec, String label, Method m, DataWarnings warnings) {
    if (spec.chatTemplate != null || spec.chatTemplateJinja != null) {
      warnings.warn(label + ": a per-dataset chat_template is ignored for rl: " + m.key + " (as in Axolotl); the "
          + "global chat_template is used", null);
    }
  }

  private static ChatRenderer datasetRenderer(DatasetSpec spec, DataConfig cfg, ChatRenderer.Source templates, String label) {
    if (spec.chatTemplate != null || spec.chatTemplateJinja != null) {
      return renderer(spec.chatTemplate, spec.chatTemplateJinja, cfg, templates, label);
    }
    return renderer(cfg.chatTemplate, cfg.chatTemplateJinja, cfg, templates, label);
  }

  private static ChatRenderer renderer(String name, String jinja, DataConfig cfg, ChatRenderer.Source templates,
      String label) {
    if (templates == null) {
      throw new DataException(label + ": this type renders a chat template, but no chat-template renderer was given");
    }
    String choice = name != null ? name : (jinja != null ? "jinja" : "tokenizer_default");
    ChatRenderer r;
    try {
      r = templates.forTemplate(choice, jinja, cfg.chatTemplateKwargs);
    } catch (RuntimeException e) {
      throw new DataException(label + ": chat_template '" + choice + "': " + e.getMessage(), e);
    }
    if (r == null) {
      throw new DataException(label + ": chat_template '" + choice + "' is not available"
          + (choice.equals("tokenizer_default") ? " (the tokenizer has no chat template; set chat_template)" : ""));
    }
    return r;
  }

  private static DataException unknown(Method m, String type, String label) {
    String hint = m.isGrpo() ? "; for a custom GRPO transform (Axolotl's `type: module.fn`), name a function of a Kotlin file "
        + "beside the config (type: rewards.to_prompt = fun to_prompt in rewards.kts), or pass a function with "
        + "DatasetSpec.Builder.transform in a recipe" : "";
    return new DataException(label + ": unknown dataset type " + type + " for rl: " + m.key + "; valid types: "
        + String.join(", ", validTypes(m)) + (m.isKto() || m.usesDpoTypes() ? ", or a mapping (user_defined)" : "") + hint);
  }

  private static TypeStrategy functionTransform(DatasetSpec spec) {
    return new TypeStrategy("transform function", "whatever the function reads", (r, w) -> {
      java.util.Map<String, Object> out;
      try {
        out = spec.transform.apply(r.values());
      } catch (DataException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new DataException("row " + r.origin() + ": the dataset transform function failed: " + e, e);
      }
      if (out == null) {
        throw new DataException("row " + r.origin() + ": the dataset transform function returned null; return a map of columns");
      }
      return out;
    }, spec.removeColumns);
  }
}
