package dev.lathe.engine.data;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HF `datasets` split strings: "train", "train[:500]", "train[10%:]", "train[-20:]",
 * "train[:10%]+train[-80%:]". Percent bounds use HF's default "closest" rounding
 * (Python round(), half to even); negative bounds count from the end; bounds are clamped.
 */
public final class SplitSpec {
  private static final Pattern PART =
      Pattern.compile("^(\\w+(?:[.\\-]\\w+)*)(?:\\[(-?\\d+)?(%)?:(-?\\d+)?(%)?\\])?$");

  /** One "name[from:to]" term; from/to are null when absent. */
  public record Part(String split, Integer from, Integer to, boolean percent) {}

  private final String text;
  private final List<Part> parts;

  private SplitSpec(String text, List<Part> parts) {
    this.text = text;
    this.parts = parts;
  }

  public static SplitSpec parse(String text) {
    List<Part> parts = new ArrayList<>();
    for (String term : text.replace(" ", "").split("\\+", -1)) {
      Matcher m = PART.matcher(term);
      if (!m.matches()) {
        throw new DataException("split '" + text + "': cannot parse '" + term
            + "'; expected NAME, NAME[from:to], NAME[from%:to%] (e.g. train[:500], train[10%:])");
      }
      boolean fromPct = m.group(3) != null;
      boolean toPct = m.group(5) != null;
      Integer from = m.group(2) == null ? null : Integer.valueOf(m.group(2));
      Integer to = m.group(4) == null ? null : Integer.valueOf(m.group(4));
      if (from != null && to != null && fromPct != toPct) {
        throw new DataException("split '" + text + "': both bounds of '" + term + "' must use the same unit (rows or %)");
      }
      boolean pct = fromPct || toPct;
      if (pct && ((from != null && Math.abs(from) > 100) || (to != null && Math.abs(to) > 100))) {
        throw new DataException("split '" + text + "': percent slice boundaries must be in [-100, 100]");
      }
      parts.add(new Part(m.group(1), from, to, pct));
    }
    return new SplitSpec(text, List.copyOf(parts));
  }

  public List<Part> parts() {
    return parts;
  }

  public String text() {
    return text;
  }

  /** Applies the slices to the named split of a source with splits {name -> table}. */
  public Table apply(java.util.function.Function<String, Table> splitByName) {
    List<Table> out = new ArrayList<>();
    for (Part p : parts) {
      Table t = splitByName.apply(p.split());
      int[] r = bounds(p, t.size());
      out.add(t.slice(r[0], r[1]));
    }
    return out.size() == 1 ? out.get(0) : Table.concat(out);
  }

  /** Absolute [from, to) of a part on a split of n rows, as HF's _rel_to_abs_instr. */
  static int[] bounds(Part p, int n) {
    int from;
    int to;
    if (p.percent()) {
      from = p.from() == null ? 0 : roundHalfEven(p.from() * (double) n / 100.0);
      to = p.to() == null ? n : roundHalfEven(p.to() * (double) n / 100.0);
    } else {
      from = p.from() == null ? 0 : p.from();
      to = p.to() == null ? n : p.to();
    }
    if (from < 0) {
      from = Math.max(n + from, 0);
    }
    if (to < 0) {
      to = Math.max(n + to, 0);
    }
    from = Math.min(from, n);
    to = Math.min(to, n);
    return new int[] {from, Math.max(from, to)};
  }

  static int roundHalfEven(double x) {
    return (int) Math.rint(x);
  }
}
