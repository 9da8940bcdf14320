package dev.lathe.engine.train.ebft;

import dev.lathe.engine.reward.Reward;
import dev.lathe.engine.reward.RewardRunner;
import dev.lathe.engine.reward.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Structured mode's only reward (ebft-nemogym.md §A.6.3), behind GRPO's reward seam: each group's G
 * completions and its ground truth are embedded by the frozen feature network (prompt + completion,
 * prompt + ground truth, as token ids: the generated ids are used as they are, not re-tokenised from
 * text, and a terminating EOS is dropped as decoding with skip_special_tokens would), then scored by
 * {@link FeatureRewards} with L2 normalisation or whitening. The round's ebft/* metrics are handed to
 * the round maker through {@link #roundMetrics()}.
 */
public final class FeatureMatchingRunner implements RewardRunner {
  public static final String NAME = "feature_matching";
  private static final int CHUNK = 16;
  private final FeatureNetwork features;
  private final EbftSettings s;
  private final Function<Sample, int[]> groundTruth;
  private final Set<Integer> eosIds;
  private final long padId;
  private final List<Reward> self;
  private Map<String, Double> last = Map.of();

  /** groundTruth gives the ground-truth completion ids of a sample's prompt. */
  public FeatureMatchingRunner(FeatureNetwork features, EbftSettings s, Function<Sample, int[]> groundTruth, Set<Integer> eosIds, long padId) {
    this.features = features;
    this.s = s;
    this.groundTruth = groundTruth;
    this.eosIds = eosIds;
    this.padId = padId;
    this.self = List.of(Reward.ofGroup(NAME, 1.0, g -> { throw new UnsupportedOperationException("scored by the runner"); }));
  }

  @Override
  public RewardTable score(List<Sample> samples, int groupSize) {
    if (samples.size() % groupSize != 0) throw new IllegalArgumentException("a round of " + samples.size() + " is not whole groups of " + groupSize);
    List<int[]> gen = new ArrayList<>(), gts = new ArrayList<>();
    List<Integer> genPrompt = new ArrayList<>(), gtPrompt = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      Sample x = samples.get(i);
      gen.add(concat(x.promptIds(), stripEos(x.completionIds())));
      genPrompt.add(x.promptIds().length);
      if (i % groupSize == 0) {
        int[] gt = groundTruth.apply(x);
        if (gt == null) throw new IllegalArgumentException("EBFT needs a ground truth for every prompt; " + x.describe() + " has none");
        gts.add(concat(x.promptIds(), gt));
        gtPrompt.add(x.promptIds().length);
      }
    }
    double[][] eGen = embed(gen, genPrompt), eGt = embed(gts, gtPrompt);
    double[][] values = new double[samples.size()][1];
    double align = 0, div = 0, cfm = 0, reward = 0;
    int groups = samples.size() / groupSize;
    for (int k = 0; k < groups; k++) {
      double[][] group = Arrays.copyOfRange(eGen, k * groupSize, (k + 1) * groupSize);
      FeatureRewards.Group g = FeatureRewards.score(group, eGt[k], s.alignmentCoef, s.diversityCoef, s.useWhitening, true);
      for (int j = 0; j < groupSize; j++) {
        values[k * groupSize + j][0] = g.reward()[j];
        align += g.alignment()[j];
        div += g.diversity()[j];
        reward += g.reward()[j];
      }
      cfm += g.cfm();
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("ebft/alignment", align / samples.size());
    m.put("ebft/diversity", div / samples.size());
    m.put("ebft/cfm_loss", cfm / groups);
    m.put("ebft/reward", reward / samples.size());
    last = m;
    return new RewardTable(values, new int[1], new int[1]);
  }

  private double[][] embed(List<int[]> seqs, List<Integer> promptLengths) {
    double[][] out = new double[seqs.size()][];
    for (int from = 0; from < seqs.size(); from += CHUNK) {
      int to = Math.min(seqs.size(), from + CHUNK);
      int[] pl = promptLengths.subList(from, to).stream().mapToInt(Integer::intValue).toArray();
      double[][] part = features.embed(seqs.subList(from, to), pl, s.embedMethod, padId);
      System.arraycopy(part, 0, out, from, part.length);
    }
    return out;
  }

  private int[] stripEos(int[] c) {
    int n = c.length;
    while (n > 0 && eosIds.contains(c[n - 1])) n--;
    return n == c.length ? c : Arrays.copyOf(c, n);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public List<Reward> rewards() { return self; }

  @Override
  public Map<String, Double> roundMetrics() { return last; }
}
