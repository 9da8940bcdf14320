package dev.lathe.tests.config

import dev.lathe.engine.data.DataWarnings
import dev.lathe.engine.data.DatasetPipeline
import dev.lathe.engine.data.Method
import dev.lathe.engine.data.TemplateRenderers
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import dev.lathe.scripts.config.ConfigBinder
import dev.lathe.scripts.config.ConfigException
import dev.lathe.scripts.dsl.data
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path

/** chat_template_kwargs (tools, enable_thinking, ...) reach the template from YAML and from the recipe DSL. */
class ChatTemplateKwargsSpec : StringSpec({
    val dir = Files.createTempDirectory("kwargs")
    val row = """{"messages":[{"role":"user","content":"Hi"}],"chosen":{"role":"assistant","content":"A"},"rejected":{"role":"assistant","content":"B"}}"""
    Files.writeString(dir.resolve("pairs.jsonl"), row + "\n")
    // prints the variables the way Qwen3's template tests them
    val jinja = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}" +
        "{% if add_generation_prompt %}[think={{ enable_thinking is defined and enable_thinking is false }}" +
        "|tools={{ tools | length if tools else 0 }}|{{ tools[0].name if tools else '' }}]{% endif %}"
    Files.writeString(dir.resolve("t.jinja"), jinja)
    val tokDir = dir.resolve("tok")
    TokenizerBuilder.charLevel(listOf("Hi A B <user> [think=True|tools=1|get_weather]")).chatTemplate("chatml").write(tokDir)
    val tok = HfTokenizer.load(tokDir)

    fun bind(yaml: String): Path = dir.resolve("c.yml").also { Files.writeString(it, yaml.trimIndent()) }
    val base = """
        base_model: ./tok
        rl: dpo
        chat_template: jinja
        chat_template_jinja: ${dir.resolve("t.jinja")}
        datasets:
          - path: pairs.jsonl
            type: chat_template.default
    """.trimIndent()

    "YAML chat_template_kwargs reach the template as variables" {
        val cfg = ConfigBinder.read(bind(base + "\n" + """
            chat_template_kwargs:
              enable_thinking: false
              tools:
                - name: get_weather
                  parameters: {city: string}
        """.trimIndent()))
        cfg.data.chatTemplateKwargs["enable_thinking"] shouldBe false
        val rows = DatasetPipeline.prepare(cfg.data, tok, TemplateRenderers.of(tok), DataWarnings()).train()
        rows.single().text().prompt() shouldBe "<user>Hi[think=True|tools=1|get_weather]"
    }

    "without chat_template_kwargs the variables are undefined, as transformers leaves them" {
        val cfg = ConfigBinder.read(bind(base))
        val rows = DatasetPipeline.prepare(cfg.data, tok, TemplateRenderers.of(tok), DataWarnings()).train()
        rows.single().text().prompt() shouldBe "<user>Hi[think=False|tools=0|]"
    }

    "chat_template_kwargs must be a mapping, and cannot set messages" {
        shouldThrow<ConfigException> { ConfigBinder.read(bind(base + "\nchat_template_kwargs: [1, 2]")) }.message!!.let {
            it shouldContain "c.yml"
            it shouldContain "chat_template_kwargs"
            it shouldContain "a mapping"
        }
        shouldThrow<ConfigException> { ConfigBinder.read(bind(base + "\nchat_template_kwargs: {messages: []}")) }.message!!
            .shouldContain("'messages' is set by Lathe")
    }

    "the recipe DSL's chatTemplateKwargs reach the template" {
        val d = data(tokDir, Method.DPO, workDir = dir.resolve("dsl")) {
            rows("pairs", listOf(mapOf("messages" to listOf(mapOf("role" to "user", "content" to "Hi")),
                "chosen" to mapOf("role" to "assistant", "content" to "A"), "rejected" to mapOf("role" to "assistant", "content" to "B"))),
                type = "chat_template.default")
            chatTemplate = "jinja"
            chatTemplateJinja = jinja
            chatTemplateKwargs = mapOf("enable_thinking" to false, "tools" to listOf(mapOf("name" to "get_weather")))
            shuffle = false
        }
        d.train.single().text().prompt() shouldBe "<user>Hi[think=True|tools=1|get_weather]"
    }

    "trl.chat_template_kwargs reach GRPO prompts through the one encoder, for training, `lathe reward` and the DSL alike" {
        Files.writeString(dir.resolve("prompts.jsonl"), """{"prompt":[{"role":"user","content":"Hi"}]}""" + "\n")
        val grpo = """
            base_model: ./tok
            rl: grpo
            chat_template: jinja
            chat_template_jinja: ${dir.resolve("t.jinja")}
            micro_batch_size: 2
            datasets:
              - path: prompts.jsonl
            chat_template_kwargs:
              enable_thinking: true
              tools: [{name: A}]
            trl:
              num_generations: 2
              chat_template_kwargs:
                tools: [{name: get_weather}]
        """.trimIndent()
        val cfg = ConfigBinder.readAny(bind(grpo)) as dev.lathe.scripts.config.GrpoConfig
        // trl's mapping wins on a clash; the top-level one's other keys stay
        cfg.data.chatTemplateKwargs["enable_thinking"] shouldBe true
        val p = dev.lathe.engine.data.Preprocessor.run(cfg.data, tok, TemplateRenderers.of(tok), DataWarnings()).promptsTrain().single()
        p.text() shouldBe "<user>Hi[think=False|tools=1|get_weather]"
        p.ids().toList() shouldBe tok.encode(p.text(), false).toList()
        val dsl = dev.lathe.scripts.dsl.prompts(tokDir, listOf(mapOf("prompt" to listOf(mapOf("role" to "user", "content" to "Hi")))),
            chatTemplateKwargs = mapOf("enable_thinking" to false, "tools" to listOf(mapOf("name" to "get_weather"))))
        // the DSL renders with the tokenizer's own template (chatml here), so the kwargs are simply unused by it
        dsl.single().text() shouldBe "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    }

    "a GRPO prompt that is neither text nor messages is refused naming its row" {
        shouldThrow<dev.lathe.engine.data.DataException> {
            dev.lathe.scripts.dsl.prompts(tokDir, listOf(mapOf("prompt" to 42)))
        }.message!!.let {
            it shouldContain "row 0"
            it shouldContain "found Integer"
        }
    }
})
