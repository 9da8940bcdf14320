package dev.lathe.tests.data

import dev.lathe.engine.data.DataConfig
import dev.lathe.engine.data.DataException
import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetPipeline
import dev.lathe.engine.data.DatasetSpec
import dev.lathe.engine.data.NumpyPermutation
import dev.lathe.tests.data.DataTestSupport.cmlPrompt
import dev.lathe.tests.data.DataTestSupport.jsonl
import dev.lathe.tests.data.DataTestSupport.tempDir
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path
import java.sql.DriverManager

/** Loading (§1.1), split slices, seeded shuffles (§1.3), deduplication (§1.4) and eval splits (§1.5). */
class LoadingSpec : FunSpec({
    fun rows(n: Int, tag: String = "") = (0 until n).map { """{"prompt":"p$tag$it","chosen":"c$it","rejected":"r$it"}""" }.toTypedArray()

    fun prepare(dir: Path, vararg specs: DatasetSpec, cfg: (DataConfig.Builder) -> DataConfig.Builder = { it }) =
        DatasetPipeline.prepare(cfg(DataConfig.builder().rl("dpo").baseDir(dir).datasets(specs.toList()).skipPrepareDataset(true)).build(),
            null, DataTestSupport.templates, DataWarnings())

    fun prompts(rows: List<dev.lathe.engine.data.PreparedRow>) = rows.map { it.text().prompt() }

    fun duck(sql: String) = DriverManager.getConnection("jdbc:duckdb:").use { c -> c.createStatement().use { it.execute(sql) } }

    test("a malformed JSONL line fails with file:line") {
        val dir = tempDir()
        jsonl(dir, "bad.jsonl", """{"prompt":"a","chosen":"b","rejected":"c"}""", "", """{"prompt": "a", "chosen": oops}""")
        val e = shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("bad.jsonl").build()) }
        e.message shouldContain "bad.jsonl:3"
        e.message shouldContain "malformed JSON"
        e.message shouldContain "datasets[0]"
        jsonl(dir, "arr.jsonl", """["not", "an", "object"]""", """{"a":1}""")
    }

    test("a JSONL line that is not an object is refused") {
        val dir = tempDir()
        jsonl(dir, "x.jsonl", """{"prompt":"a","chosen":"b","rejected":"c"}""", "42")
        shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("x.jsonl").build()) }.message shouldContain "x.jsonl:2"
    }

    test(".json holding an array, and keys missing in some rows read as null") {
        val dir = tempDir()
        Files.writeString(dir.resolve("d.json"), """[{"prompt":"a","chosen":"b","rejected":"c"},{"prompt":"d","chosen":"e","rejected":"f","x":1}]""")
        val p = prepare(dir, DatasetSpec.builder("d.json").build(), cfg = { it.shuffleMergedDatasets(false) })
        prompts(p.train()) shouldBe listOf("a", "d")
        p.train()[0].columns()["x"] shouldBe null
        p.train()[0].columns().containsKey("x") shouldBe true
    }

    test("parquet written by DuckDB, nested message lists included, through chatml.ultra") {
        val dir = tempDir()
        val f = dir.resolve("pairs.parquet")
        duck("""COPY (SELECT * FROM (VALUES
            ('Hi', [{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Hello'}], [{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Bye'}]),
            ('Q', [{'role': 'user', 'content': 'Q'}, {'role': 'assistant', 'content': 'A'}], [{'role': 'user', 'content': 'Q'}, {'role': 'assistant', 'content': 'B'}])
            ) t(prompt, chosen, rejected)) TO '$f' (FORMAT parquet)""")
        val p = prepare(dir, DatasetSpec.builder("pairs.parquet").type("chatml.ultra").build(), cfg = { it.shuffleMergedDatasets(false) })
        p.train().map { DataTestSupport.strings(it) } shouldBe listOf(
            listOf(cmlPrompt(null, "Hi"), "Hello<|im_end|>", "Bye<|im_end|>"),
            listOf(cmlPrompt(null, "Q"), "A<|im_end|>", "B<|im_end|>"),
        )
    }

    test("csv with a header, numbers typed") {
        val dir = tempDir()
        Files.writeString(dir.resolve("d.csv"), "question,chosen,rejected,score\n\"Why, though?\",Because.,No.,1.5\nHow?,Thus.,Never.,2\n")
        val p = prepare(dir, DatasetSpec.builder("d.csv").type("chatml.intel").build(), cfg = { it.shuffleMergedDatasets(false) })
        prompts(p.train()) shouldBe listOf(cmlPrompt(null, "Why, though?"), cmlPrompt(null, "How?"))
        p.train()[0].columns()["score"] shouldBe 1.5
    }

    test("ds_type overrides the inferred type") {
        val dir = tempDir()
        jsonl(dir, "pairs.data", *rows(2))
        prompts(prepare(dir, DatasetSpec.builder("pairs.data").dsType("json").build(), cfg = { it.shuffleMergedDatasets(false) }).train()) shouldBe listOf("p0", "p1")
    }

    test("a folder of files: train/test by file name, split selects; data_files picks files") {
        val dir = tempDir()
        val d = Files.createDirectories(dir.resolve("ds"))
        jsonl(d, "train-00000.jsonl", *rows(3, "tr"))
        jsonl(d, "test.jsonl", *rows(2, "te"))
        jsonl(dir, "extra.jsonl", *rows(1, "ex"))
        val noShuffle = { b: DataConfig.Builder -> b.shuffleMergedDatasets(false) }
        prompts(prepare(dir, DatasetSpec.builder("ds").build(), cfg = noShuffle).train()) shouldBe listOf("ptr0", "ptr1", "ptr2")
        prompts(prepare(dir, DatasetSpec.builder("ds").split("test").build(), cfg = noShuffle).train()) shouldBe listOf("pte0", "pte1")
        // data_files are not made relative to the folder, as in Axolotl
        prompts(prepare(dir, DatasetSpec.builder("ds").dataFiles(listOf("extra.jsonl", "ds/test.jsonl")).build(), cfg = noShuffle).train()) shouldBe
            listOf("pex0", "pte0", "pte1")
        shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("ds").split("validation").build()) }.message shouldContain "available"
    }

    test("split slices: rows, percents (round half to even), negatives, sums") {
        val dir = tempDir()
        jsonl(dir, "ten.jsonl", *rows(10))
        val cases = mapOf(
            "train[:3]" to listOf(0, 1, 2), "train[7:]" to listOf(7, 8, 9), "train[-2:]" to listOf(8, 9),
            "train[:-8]" to listOf(0, 1), "train[10%:30%]" to listOf(1, 2), "train[85%:]" to listOf(8, 9),
            "train[:25%]" to listOf(0, 1), "train[:35%]" to listOf(0, 1, 2, 3), "train[:2]+train[-1:]" to listOf(0, 1, 9),
            "train[20:]" to listOf(), "train" to (0 until 10).toList(),
        )
        for ((split, idx) in cases) {
            val p = prepare(dir, DatasetSpec.builder("ten.jsonl").split(split).build(), cfg = { it.shuffleMergedDatasets(false) })
            prompts(p.train()) shouldBe idx.map { "p$it" }
        }
        shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("ten.jsonl").split("train[a:b]").build()) }.message shouldContain "cannot parse"
        shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("ten.jsonl").split("train[:10%:]").build()) }
    }

    test("missing files, hub ids and URLs fail with what to do") {
        val dir = tempDir()
        shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("nope.jsonl").build()) }.message shouldContain "no such file"
        val hub = shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("Intel/orca_dpo_pairs").build()) }
        hub.message shouldContain "download the dataset first"
        hub.message shouldContain "datasets[0]"
        shouldThrow<DataException> { prepare(dir, DatasetSpec.builder("https://example.com/x.jsonl").build()) }.message shouldContain "download the file first"
    }

    test("numpy permutations match numpy for the reference vectors and the committed fixture") {
        NumpyPermutation.permutation(42, 5).toList() shouldBe listOf(4, 2, 3, 1, 0)
        NumpyPermutation.permutation(42, 10).toList() shouldBe listOf(5, 6, 0, 7, 3, 2, 4, 9, 1, 8)
        val fixture = DataTestSupport.mapper.readTree(Path.of(System.getenv("LATHE_REPO") ?: "..", "tests/fixtures/data/numpy_permutations.json").toFile())
        var n = 0
        for (c in fixture["cases"]) {
            NumpyPermutation.permutation(c["seed"].asLong(), c["n"].asInt()).toList() shouldBe c["perm"].map { it.asInt() }
            n++
        }
        n shouldBe 30
    }

    test("one dataset is shuffled with seed 42 by default: new[j] = old[perm[j]]; reproducible; seed changes it") {
        val dir = tempDir()
        jsonl(dir, "ten.jsonl", *rows(10))
        val spec = DatasetSpec.builder("ten.jsonl").build()
        prompts(prepare(dir, spec).train()) shouldBe listOf(5, 6, 0, 7, 3, 2, 4, 9, 1, 8).map { "p$it" }
        prompts(prepare(dir, spec).train()) shouldBe prompts(prepare(dir, spec).train())
        prompts(prepare(dir, spec, cfg = { it.seed(7) }).train()) shouldBe listOf(8, 0, 7, 1, 3, 6, 2, 4, 5, 9).map { "p$it" }
    }

    test("several datasets merge in config order; shuffle_before_merging shuffles each first") {
        val dir = tempDir()
        jsonl(dir, "a.jsonl", *rows(5, "a"))
        jsonl(dir, "b.jsonl", *rows(2, "b"))
        val a = DatasetSpec.builder("a.jsonl").build()
        val b = DatasetSpec.builder("b.jsonl").build()
        prompts(prepare(dir, a, b, cfg = { it.shuffleMergedDatasets(false) }).train()) shouldBe
            listOf("pa0", "pa1", "pa2", "pa3", "pa4", "pb0", "pb1")
        // seed 42: n=5 -> [4,2,3,1,0]; n=2 -> fixture [?] computed by the same generator
        val two = NumpyPermutation.permutation(42, 2).map { "pb$it" }
        prompts(prepare(dir, a, b, cfg = { it.shuffleMergedDatasets(false).shuffleBeforeMergingDatasets(true) }).train()) shouldBe
            listOf("pa4", "pa2", "pa3", "pa1", "pa0") + two
        val merged = listOf("pa0", "pa1", "pa2", "pa3", "pa4", "pb0", "pb1")
        prompts(prepare(dir, a, b).train()) shouldBe NumpyPermutation.permutation(42, 7).map { merged[it] }
    }

    test("exact deduplication keeps the first occurrence; every column counts, with types") {
        val dir = tempDir()
        jsonl(dir, "d.jsonl",
            """{"prompt":"a","chosen":"b","rejected":"c","n":1}""",
            """{"prompt":"a","chosen":"b","rejected":"c","n":1.0}""",
            """{"prompt":"a","chosen":"b","rejected":"c","n":1}""",
            """{"prompt":"a","chosen":"b","rejected":"x","n":1}""")
        val p = prepare(dir, DatasetSpec.builder("d.jsonl").build(), cfg = { it.shuffleMergedDatasets(false).datasetExactDeduplication(true) })
        p.train().map { it.origin().substringAfterLast(':') } shouldBe listOf("1", "2", "4")
        p.counts().dropped().values.sum() shouldBe 1L
    }

    test("val_set_size takes the tail of the shuffled set; eval rows equal to train rows are removed with dedup") {
        val dir = tempDir()
        jsonl(dir, "ten.jsonl", *rows(10))
        val p = prepare(dir, DatasetSpec.builder("ten.jsonl").build(), cfg = { it.valSetSize(0.25) })
        // ceil(0.25 * 10) = 3 eval rows: the last three of [5,6,0,7,3,2,4,9,1,8]
        prompts(p.train()) shouldBe listOf(5, 6, 0, 7, 3, 2, 4).map { "p$it" }
        prompts(p.eval()) shouldBe listOf(9, 1, 8).map { "p$it" }
        jsonl(dir, "test.jsonl", """{"prompt":"p1","chosen":"c1","rejected":"r1"}""", """{"prompt":"new","chosen":"c","rejected":"r"}""")
        val t = prepare(dir, DatasetSpec.builder("ten.jsonl").build(),
            cfg = { it.testDatasets(listOf(DatasetSpec.builder("test.jsonl").build())).datasetExactDeduplication(true).shuffleMergedDatasets(false) })
        prompts(t.eval()) shouldBe listOf("new")
        shouldThrow<DataException> {
            DataConfig.builder().rl("dpo").datasets(listOf(DatasetSpec.builder("x").build())).valSetSize(0.1)
                .testDatasets(listOf(DatasetSpec.builder("y").build())).build()
        }.message shouldContain "cannot both be set"
        shouldThrow<DataException> { DataConfig.builder().rl("dpo").datasets(listOf(DatasetSpec.builder("x").build())).valSetSize(5.0).build() }
    }

    test("unknown types list the valid ones for that rl (E3-E6)") {
        val dir = tempDir()
        jsonl(dir, "d.jsonl", *rows(1))
        fun err(rl: String, type: String) = shouldThrow<DataException> {
            DatasetPipeline.prepare(DataConfig.builder().rl(rl).baseDir(dir).skipPrepareDataset(true)
                .datasets(listOf(DatasetSpec.builder("d.jsonl").type(type).build())).build(), null, DataTestSupport.templates, DataWarnings())
        }.message!!
        err("kto", "chatml").let { it shouldContain "for rl: kto"; it shouldContain "chatml.argilla_chat" }
        err("kto", "chatml.icr") shouldContain "llama3.ultra"
        err("orpo", "chat_template") shouldContain "valid types: chat_template.argilla"
        err("dpo", "chat_template.argilla") shouldContain "zephyr.nectar"
        err("dpo", "zephyr") shouldContain "unknown dataset type 'zephyr'"
        err("grpo", "rewards.oai_gsm8k_transform") shouldContain "DatasetSpec.Builder.transform"
        shouldThrow<DataException> { DataConfig.builder().rl("ppo").datasets(listOf(DatasetSpec.builder("d").build())).build() }.message shouldContain "dpo, ipo"
    }

    test("GRPO: a Kotlin lambda is the dataset transform; its result merges over the row, removed columns go") {
        val dir = tempDir()
        jsonl(dir, "gsm.jsonl",
            """{"question":"What is 2+2?","answer":"2+2=4\n#### 4"}""",
            """{"question":"Total?","answer":"3*400=1,200\n#### 1,200"}""")
        val spec = DatasetSpec.builder("gsm.jsonl").transform({ row ->
            mapOf("prompt" to listOf(mapOf("role" to "user", "content" to row["question"])),
                "answer" to (row["answer"] as String).split("####").last().trim().replace(",", ""))
        }, listOf("question")).build()
        val p = DatasetPipeline.prepare(DataConfig.builder().rl("grpo").baseDir(dir).datasets(listOf(spec)).shuffleMergedDatasets(false).build(),
            null, null, DataWarnings())
        p.train().map { it.columns() } shouldBe listOf(
            mapOf("answer" to "4", "prompt" to listOf(mapOf("role" to "user", "content" to "What is 2+2?"))),
            mapOf("answer" to "1200", "prompt" to listOf(mapOf("role" to "user", "content" to "Total?"))),
        )
        val bad = DatasetSpec.builder("gsm.jsonl").transform({ row -> mapOf("prompt" to (row["nope"] as String)) }).build()
        shouldThrow<DataException> {
            DatasetPipeline.prepare(DataConfig.builder().rl("grpo").baseDir(dir).datasets(listOf(bad)).build(), null, null, DataWarnings())
        }.message shouldContain "gsm.jsonl:1"
    }
})
