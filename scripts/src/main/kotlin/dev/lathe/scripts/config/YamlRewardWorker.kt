package dev.lathe.scripts.config

import dev.lathe.engine.reward.Reward
import dev.lathe.engine.reward.RewardWorker
import java.nio.file.Files
import java.nio.file.Path

/**
 * `trl.reward_isolation: process`: what a reward worker process runs to rebuild a YAML run's reward functions.
 * The argument is the config file; its `trl.reward_funcs` / `reward_weights` are bound by [RewardBinding], the
 * same loader as in the trainer (rewards.kts compiled once and cached on disk, so a restarted worker loads the
 * cached jar).
 */
class YamlRewardWorker : RewardWorker.Factory {
    override fun rewards(argument: String): List<Reward> {
        val file = Path.of(argument)
        val doc = YamlDoc.parse(file, Files.readString(file))
        val trl = ConfigNode(doc, "", doc.root).obj("trl") ?: throw ConfigException("$file: no `trl:` block to take reward_funcs from")
        return RewardBinding.bind(file, trl)
    }
}
