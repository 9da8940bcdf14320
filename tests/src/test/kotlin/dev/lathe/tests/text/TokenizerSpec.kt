package dev.lathe.tests.text

import com.fasterxml.jackson.databind.ObjectMapper
import dev.lathe.engine.io.FormatException
import dev.lathe.engine.text.ChatTemplates
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.collections.shouldContainAll
import io.kotest.matchers.ints.shouldBeGreaterThan
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.nio.file.Files
import java.nio.file.Path

private val CORPUS = listOf(
  "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.",
  "A tokenizer splits text into tokens, and tokens into ids. Tokens, tokens, tokens!",
  "Preference tuning compares a chosen answer with a rejected answer for the same prompt.",
  "Numbers like 12345 and 2026 appear too, as do naïve cafés and 日本語.",
) 

class TokenizerSpec : StringSpec({
  val tmp = Files.createTempDirectory("tok-spec")
  fun dir(name: String): Path = tmp.resolve(name).also { Files.createDirectories(it) }

  "BPE training merges the most frequent pairs first (hand-derived)" {
    // words: "ab", " ab" x2, " cd" -> pairs (a,b)=3, (Ġ,a)=2, (Ġ,c)=1, (c,d)=1
    // merge 1: a+b; then (Ġ,ab)=2; then the (Ġ,c)/(c,d) tie goes to the smaller pair: c+d
    val d = dir("hand")
    val size = TokenizerBuilder.byteLevelBpe(listOf("ab ab ab cd"), 3 + 256 + 3).minFrequency(1).write(d)
    size shouldBe 262
    val json = ObjectMapper().readTree(d.resolve("tokenizer.json").toFile())
    json["model"]["merges"].map { it.asText() } shouldBe listOf("a b", "Ġ ab", "c d")
    json["model"]["vocab"]["Ġab"].asInt() shouldBe 260
    HfTokenizer.load(d).use { t ->
      t.encode(" ab", false).toList() shouldBe listOf(260)
      t.encode("ab cd", false).toList() shouldBe listOf(259, t.tokenToId("Ġ"), 261)
    }
  }

  "a trained byte-level BPE loads in DJL and round-trips text and special tokens" {
    val d = dir("bpe-chatml")
    val size = TokenizerBuilder.byteLevelBpe(CORPUS, 400).chatTemplate("chatml").write(d)
    HfTokenizer.load(d).use { t ->
      t.vocabSize() shouldBe size
      size shouldBeGreaterThan 3 + 256
      for (text in CORPUS + listOf("unseen: Ωmega 🙂 tabs\tand\nnewlines  ", "")) {
        t.decode(t.encode(text, true), false) shouldBe text
      }
      "the fox".toByteArray().size shouldBeGreaterThan t.encode("the fox", false).size // merges apply
      val chat = "<|im_start|>user\nhi<|im_end|>\n"
      val ids = t.encode(chat, true)
      ids.first() shouldBe t.tokenToId("<|im_start|>")
      ids.count { it == t.tokenToId("<|im_end|>") } shouldBe 1
      t.decode(ids, false) shouldBe chat
      t.decode(ids, true) shouldBe "user\nhi\n"
      t.bosToken() shouldBe null
      t.eosToken() shouldBe "<|im_end|>"
      t.padToken() shouldBe "<|pad|>"
      t.addBosToken() shouldBe false
      t.specialTokens() shouldContainAll listOf("<|im_start|>", "<|im_end|>", "<|pad|>")
      t.chatTemplate() shouldBe ChatTemplates.CHATML
      t.tokenToId("no such token") shouldBe -1
    }
  }

  "llama3 family: BOS comes from the post-processor, unless add_bos_token says otherwise" {
    val d = dir("bpe-llama3")
    TokenizerBuilder.byteLevelBpe(CORPUS, 350).chatTemplate("llama3").write(d)
    HfTokenizer.load(d).use { t ->
      val bos = t.tokenToId("<|begin_of_text|>")
      t.encode("the dog", true).first() shouldBe bos
      t.encode("the dog", false).first() shouldBeLessThan 10000
      t.encode("the dog", false).contains(bos) shouldBe false
      t.addBosToken() shouldBe true
      t.eosToken() shouldBe "<|eot_id|>"
      val turn = "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
      t.decode(t.encode(turn, true), false) shouldBe "<|begin_of_text|>$turn"
    }
    val cfg = d.resolve("tokenizer_config.json")
    Files.writeString(cfg, Files.readString(cfg).replace("\"add_bos_token\": true", "\"add_bos_token\": false"))
    HfTokenizer.load(d).use { t ->
      t.addBosToken() shouldBe false
      t.encode("the dog", true).contains(t.tokenToId("<|begin_of_text|>")) shouldBe false
    }
  }

  "added (non-special) tokens are whole tokens but not special" {
    val d = dir("added")
    val size = TokenizerBuilder.byteLevelBpe(CORPUS, 300).write(d)
    val mapper = ObjectMapper()
    val json = mapper.readTree(d.resolve("tokenizer.json").toFile()) as com.fasterxml.jackson.databind.node.ObjectNode
    (json["added_tokens"] as com.fasterxml.jackson.databind.node.ArrayNode).addObject()
      .put("id", size).put("content", "<extra>").put("single_word", false).put("lstrip", false)
      .put("rstrip", false).put("normalized", false).put("special", false)
    mapper.writeValue(d.resolve("tokenizer.json").toFile(), json)
    HfTokenizer.load(d).use { t ->
      t.vocabSize() shouldBe size + 1
      t.tokenToId("<extra>") shouldBe size
      t.encode("a<extra>b", false).toList() shouldBe listOf(t.tokenToId("a"), size, t.tokenToId("b"))
      t.specialTokens().contains("<extra>") shouldBe false
      t.decode(t.encode("a<extra>b", false), true) shouldBe "a<extra>b"
    }
  }

  "saveTo writes a folder that loads to the same tokenizer" {
    val d = dir("save-src")
    TokenizerBuilder.byteLevelBpe(CORPUS, 320).chatTemplate("llama3").write(d)
    val out = tmp.resolve("save-out/checkpoint-1")
    HfTokenizer.load(d).use { it.saveTo(out) }
    Files.readAllBytes(out.resolve("tokenizer.json")).toList() shouldBe Files.readAllBytes(d.resolve("tokenizer.json")).toList()
    HfTokenizer.load(d).use { a ->
      HfTokenizer.load(out).use { b ->
        b.encode(CORPUS[0], true).toList() shouldBe a.encode(CORPUS[0], true).toList()
        b.chatTemplate() shouldBe a.chatTemplate()
        b.config() shouldBe a.config()
      }
    }
  }

  "texts longer than 512 tokens are not truncated" {
    val d = dir("long")
    TokenizerBuilder.byteLevelBpe(CORPUS, 300).write(d)
    HfTokenizer.load(d).use { t ->
      val text = (1..400).joinToString(" ") { "w$it" }
      val ids = t.encode(text, true)
      ids.size shouldBeGreaterThan 1500
      t.decode(ids, false) shouldBe text
    }
  }

  "a character-level vocabulary round-trips and maps unseen characters to <unk>" {
    val d = dir("chars")
    val size = TokenizerBuilder.charLevel(CORPUS).chatTemplate("llama3").write(d)
    HfTokenizer.load(d).use { t ->
      t.vocabSize() shouldBe size
      val text = "naïve 日本語 fox\n\tend"
      val ids = t.encode(text, false)
      ids.size shouldBe text.codePointCount(0, text.length)
      t.decode(ids, false) shouldBe text
      t.encode("x", true).toList() shouldBe listOf(t.tokenToId("<|begin_of_text|>"), t.tokenToId("x"))
      t.encode("Ж", false).toList() shouldBe listOf(t.tokenToId("<unk>"))
      t.encode("<|eot_id|>a", false).toList() shouldBe listOf(t.tokenToId("<|eot_id|>"), t.tokenToId("a"))
    }
  }

  "tokenizer_config: {content} token objects, a list of named chat templates, chat_template.jinja" {
    val d = dir("cfg")
    TokenizerBuilder.byteLevelBpe(CORPUS, 300).write(d)
    Files.writeString(d.resolve("tokenizer_config.json"), """
      {"bos_token": null, "eos_token": {"content": "<|im_end|>", "lstrip": false},
       "pad_token": "<|pad|>", "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]}
    """.trimIndent())
    HfTokenizer.load(d).use { t ->
      t.eosToken() shouldBe "<|im_end|>"
      t.chatTemplate() shouldBe "D"
      t.config().chatTemplates() shouldBe mapOf("default" to "D", "tool_use" to "T")
    }
    Files.writeString(d.resolve("chat_template.jinja"), "J")
    HfTokenizer.load(d).use { t -> t.chatTemplate() shouldBe "J" }
    Files.writeString(d.resolve("tokenizer_config.json"), """{"eos_token": "</s>"}""")
    shouldThrow<FormatException> { HfTokenizer.load(d) }.message shouldContain "key 'eos_token': token '</s>' is not in the vocabulary"
  }

  "a tokenizer.json that does not parse is an error naming the file and DJL's reason" {
    val d = dir("bad")
    Files.writeString(d.resolve("tokenizer.json"), "{\"model\": {")
    val e = shouldThrow<FormatException> { HfTokenizer.load(d) }
    e.message shouldContain "bad/tokenizer.json"
    e.message shouldContain "does not parse: EOF while parsing"
    Files.writeString(d.resolve("tokenizer.json"), """{"model": {"type": "NoSuchModel", "vocab": {}}}""")
    val e2 = shouldThrow<FormatException> { HfTokenizer.load(d) }
    e2.message shouldContain "does not parse"
    shouldThrow<FormatException> { HfTokenizer.load(dir("empty")) }.message shouldContain "tokenizer.json: file not found"
  }
})
