package dev.lathe.scripts.config

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.DatasetSpec
import java.nio.file.Path

/** The data keys (rl, datasets, test_datasets, sequence_len, ...) -> the data layer's DataConfig. */
object DataBinding {
    private val KWARGS_MAPPER = com.fasterxml.jackson.databind.ObjectMapper()
    /** Keys of a `type:` mapping (user_defined.default), for DPO and KTO rows. */
    private val TYPE_MAPPING_KEYS = listOf("field_system", "field_prompt", "field_chosen", "field_rejected", "field_completion",
        "field_label", "prompt_format", "chosen_format", "rejected_format", "completion_format")

    private val DATASET_IGNORED = mapOf(
        "trust_remote_code" to "datasets are local files; no remote code runs",
        "shards" to "has no effect in Lathe",
        "train_on_split" to "use `split`",
    )

    class Bound(val config: DataConfig, val nodes: List<ConfigNode>)

    fun bind(top: ConfigNode, baseDir: Path): Bound {
        val nodes = mutableListOf<ConfigNode>()
        // NeMo Gym's plugin replaces `datasets` with nemo_gym_datasets (as Axolotl's load_datasets hook does): it may be absent
        val gym = (top.stringList("plugins") ?: emptyList()).contains(NemoGymBinding.PLUGIN) && top.bool("nemo_gym_enabled") != false
        val datasets = top.objList("datasets") ?: if (gym) emptyList() else throw ConfigException("${top.doc.file}: key `datasets` is required (a list of dataset entries)")
        val tests = top.objList("test_datasets")
        val b = DataConfig.builder()
            .rl(top.string("rl"))
            .rewardModel(top.bool("reward_model") ?: false)
            .datasets(datasets.map { spec(it, nodes) })
            .testDatasets(tests?.map { spec(it, nodes) })
            .baseDir(baseDir)
            .datasetsReplacedBy(if (gym) "nemo_gym_datasets" else null)
        top.int("sequence_len")?.let { b.sequenceLen(it) }
        top.string("excess_length_strategy")?.let { b.excessLengthStrategy(it) }
        top.double("val_set_size")?.let { b.valSetSize(it) }
        top.bool("shuffle_merged_datasets")?.let { b.shuffleMergedDatasets(it) }
        top.bool("shuffle_before_merging_datasets")?.let { b.shuffleBeforeMergingDatasets(it) }
        top.bool("dataset_exact_deduplication")?.let { b.datasetExactDeduplication(it) }
        top.long("seed")?.let { b.seed(it) }
        top.string("chat_template")?.let { b.chatTemplate(it) }
        jinja(top, baseDir)?.let { b.chatTemplateJinja(it) }
        // chat_template_kwargs at the top and trl.chat_template_kwargs (TRL's GRPO spelling) reach every
        // template of the run through the data config, trl's winning on a clash: one place merges them
        val kwargs = LinkedHashMap<String, Any?>()
        for (node in listOfNotNull(top, top.obj("trl"))) {
            node.raw("chat_template_kwargs")?.let { kw ->
                if (!kw.isObject) node.fail("chat_template_kwargs", "a mapping of template variables (e.g. enable_thinking: false)", kw)
                @Suppress("UNCHECKED_CAST")
                kwargs.putAll(KWARGS_MAPPER.convertValue(kw, LinkedHashMap::class.java) as Map<String, Any?>)
            }
        }
        if (kwargs.isNotEmpty()) b.chatTemplateKwargs(kwargs)
        top.string("dataset_prepared_path")?.let { b.datasetPreparedPath(it) }
        top.bool("skip_prepare_dataset")?.let { b.skipPrepareDataset(it) }
        val cfg = try {
            b.build()
        } catch (e: DataException) {
            throw ConfigException("${top.doc.file}: ${e.message}")
        }
        return Bound(cfg, nodes)
    }

    private fun spec(n: ConfigNode, nodes: MutableList<ConfigNode>): DatasetSpec {
        nodes += n
        val path = n.string("path") ?: throw ConfigException("${n.doc.where(n.path)}: dataset entry `${n.path}` needs a `path`")
        val b = DatasetSpec.builder(path)
        val type = n.raw("type")
        when {
            type == null -> {}
            type.isTextual -> {
                // `type: rewards.to_prompt` names a transform in rewards.kts beside the config (docs/rewards.md)
                val fn = RewardBinding.transform(n.doc.file, type.asText(), n.where("type"))
                if (fn != null) b.type(type.asText()).transform { row -> fn(row) } else b.type(type.asText())
            }
            type.isObject -> {
                val m = n.obj("type")!!
                nodes += m
                b.typeMapping(TYPE_MAPPING_KEYS.mapNotNull { k -> m.string(k)?.let { k to it } }.toMap())
            }
            else -> n.fail("type", "a type name or a mapping of field_* / *_format keys", type)
        }
        n.string("split")?.let { b.split(it) }
        n.stringList("data_files")?.let { b.dataFiles(it) }
        n.string("ds_type")?.let { b.dsType(it) }
        n.stringList("name")?.let { b.names(it) }
        n.string("revision")?.let { b.revision(it) }
        n.string("field_messages")?.let { b.fieldMessages(it) }
        n.string("field_chosen")?.let { b.fieldChosen(it) }
        n.string("field_rejected")?.let { b.fieldRejected(it) }
        messageMappings(n)?.let { b.messagePropertyMappings(it) }
        n.obj("roles")?.let { r -> nodes += r; b.roles(r.node.properties().associate { (k, _) -> k to r.stringList(k)!! }) }
        n.string("chat_template")?.let { b.chatTemplate(it) }
        jinja(n, n.doc.file.toAbsolutePath().parent)?.let { b.chatTemplateJinja(it) }
        return try {
            b.build()
        } catch (e: DataException) {
            throw ConfigException("${n.doc.where(n.path)}: ${e.message}")
        }
    }

    /**
     * chat_template_jinja: template source, or the path of a file holding it, resolved against the
     * config's folder like every other path (not the working folder). A value that is not template
     * source (no `{`, one line) is a path and must name an existing file: a mistyped path must not
     * become the template text.
     */
    private fun jinja(n: ConfigNode, baseDir: Path): String? {
        val v = n.string("chat_template_jinja") ?: return null
        if (v.contains('{') || v.contains('\n')) return v
        val p = baseDir.resolve(v.trim()).normalize()
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw ConfigException("${n.where("chat_template_jinja")}: key `chat_template_jinja`: expected Jinja template source or a template file, " +
                "found no file at $p (relative paths resolve against the config's folder)")
        }
        return p.toString()
    }

    /** message_property_mappings, or the legacy message_field_role / message_field_content. */
    private fun messageMappings(n: ConfigNode): Map<String, String>? {
        val m = n.stringMap("message_property_mappings")?.toMutableMap()
        val role = n.string("message_field_role")
        val content = n.string("message_field_content")
        if (m == null && role == null && content == null) return null
        val out = m ?: mutableMapOf()
        role?.let { out.putIfAbsent("role", it) }
        content?.let { out.putIfAbsent("content", it) }
        return out
    }

    fun ignoredInDataset(): Map<String, String> = DATASET_IGNORED
}
