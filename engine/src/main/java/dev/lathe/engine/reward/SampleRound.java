package dev.lathe.engine.reward;

import dev.lathe.engine.data.GrpoPrompt;
import dev.lathe.engine.generate.Completion;
import java.util.ArrayList;
import java.util.List;

/** Builds the samples of a generation round, the one place a {@link Completion} becomes a {@link Sample}. */
public final class SampleRound {
  private SampleRound() {}

  /**
   * @param prompts the prompts passed to {@code Generator.generate}, in that order
   * @param completions its result: prompt-major, the G completions of each prompt consecutive
   */
  public static List<Sample> of(List<GrpoPrompt> prompts, List<Completion> completions) {
    List<Sample> out = new ArrayList<>(completions.size());
    for (int i = 0; i < completions.size(); i++) {
      Completion c = completions.get(i);
      GrpoPrompt p = prompts.get(c.prompt());
      out.add(new Sample(i, c.prompt(), c.sample(), p.text(), c.text() == null ? "" : c.text(), p.ids(), c.tokens(), p.row(),
          "length".equals(c.finishReason())));
    }
    return out;
  }
}
