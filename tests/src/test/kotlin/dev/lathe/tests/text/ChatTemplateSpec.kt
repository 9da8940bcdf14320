package dev.lathe.tests.text

import dev.lathe.engine.text.ChatTemplate
import dev.lathe.engine.text.ChatTemplateException
import dev.lathe.engine.text.ChatTemplates
import dev.lathe.engine.text.HfTokenizer
import dev.lathe.engine.text.TokenizerBuilder
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldMatch
import java.nio.file.Files

private fun msg(role: String, content: Any) = mapOf("role" to role, "content" to content)

/** A Llama 3.1-style template (written for this test) using bos_token, slicing, strftime_now, tojson and raise_exception. */
private val LLAMA31_LIKE = """
{{- bos_token }}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = strftime_now("%d %b %Y") %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none %}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
""".trimIndent() + "\n"

/** A Qwen3-style chatml template (written for this test): namespace, [::-1], str methods, continue. */
private val QWEN3_LIKE = """
{%- if messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.role == "system" %}{% continue %}{% endif %}
    {%- if message.role == "user" %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {%- set content = message.content %}
        {%- set reasoning_content = '' %}
        {%- if '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index and reasoning_content %}
            {{- '<|im_start|>' + message.role + '\n<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
        {%- else %}
            {{- '<|im_start|>' + message.role + '\n' + content }}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
""".trimIndent()

class ChatTemplateSpec : StringSpec({
  val noVars = emptyMap<String, Any?>()

  "built-in chatml renders Axolotl's strings" {
    val t = ChatTemplates.builtin("chatml")
    val conv = listOf(msg("system", "S"), msg("user", "U"), msg("assistant", "A"))
    t.render(conv, false, noVars) shouldBe
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n"
    // = CHATML_PROMPT(S, U) of the reference when the generation prompt is asked for
    t.render(conv.take(2), true, noVars) shouldBe
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n"
    t.render(listOf(msg("user", " keep  ")), false, noVars) shouldBe "<|im_start|>user\n keep  <|im_end|>\n"
  }

  "built-in llama3 renders Axolotl's strings: BOS first, trimmed content, text parts joined" {
    val t = ChatTemplates.builtin("llama3")
    val vars = mapOf("bos_token" to "<|begin_of_text|>")
    t.render(listOf(msg("system", "S"), msg("user", " hi \n"), msg("assistant", "A")), false, vars) shouldBe
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>" +
      "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|>"
    t.render(listOf(msg("user", "U")), true, vars) shouldBe
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
    val parts = listOf(mapOf("type" to "text", "text" to " a"), mapOf("type" to "image"), mapOf("type" to "text", "text" to "b "))
    t.render(listOf(msg("user", parts)), false, vars) shouldBe
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nab<|eot_id|>"
  }

  "a Llama 3.1-style HF template renders with slicing, filters and tojson" {
    val t = ChatTemplate.of("llama31-like", LLAMA31_LIKE)
    val vars = mapOf("bos_token" to "<s>", "date_string" to "26 Jul 2024", "tools" to null)
    t.render(listOf(msg("system", " Be brief. "), msg("user", " hi "), msg("assistant", "yo")), true, vars) shouldBe
      "<s><|start_header_id|>system<|end_header_id|>\n\nToday Date: 26 Jul 2024\n\nBe brief.<|eot_id|>" +
      "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\nyo<|eot_id|>" +
      "<|start_header_id|>assistant<|end_header_id|>\n\n"
    val tool = linkedMapOf("name" to "get_weather", "parameters" to linkedMapOf("city" to "str", "days" to 3))
    t.render(listOf(msg("user", "q")), false, vars + ("tools" to listOf(tool))) shouldContain
      "Today Date: 26 Jul 2024\n\n{\n    \"name\": \"get_weather\",\n    \"parameters\": {\n        \"city\": \"str\",\n        \"days\": 3\n    }\n}\n\n<|eot_id|>"
    val today = t.render(listOf(msg("user", "q")), false, mapOf("bos_token" to "", "tools" to null))
    today.substringAfter("Today Date: ").substringBefore("\n") shouldMatch Regex("\\d{2} [A-Z][a-z]{2} \\d{4}")
  }

  "raise_exception in a template is a clear error naming the template" {
    val t = ChatTemplate.of("llama31-like", LLAMA31_LIKE)
    val e = shouldThrow<ChatTemplateException> {
      t.render(listOf(msg("user", "a"), msg("user", "b")), false, mapOf("bos_token" to "", "date_string" to "x", "tools" to null))
    }
    e.message shouldBe "chat template 'llama31-like': raise_exception: Conversation roles must alternate user/assistant/user/assistant/..."
    e.template() shouldBe "llama31-like"
  }

  "a Qwen3-style template: namespace, reversed loop, Python string methods, continue" {
    val t = ChatTemplate.of("qwen3-like", QWEN3_LIKE)
    val conv = listOf(msg("system", "S"), msg("user", "q1"), msg("assistant", "<think>\nr1\n</think>\n\na1"),
      msg("user", "q2"), msg("assistant", "<think>\nr2\n</think>\n\na2"))
    t.render(conv, false, noVars) shouldBe
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nq1<|im_end|>\n<|im_start|>assistant\na1<|im_end|>\n" +
      "<|im_start|>user\nq2<|im_end|>\n<|im_start|>assistant\n<think>\nr2\n</think>\n\na2<|im_end|>\n"
  }

  "loop controls, Python split semantics, dict get, trailing newline dropped" {
    val t = ChatTemplate.of("misc", "{% for m in messages %}{% if loop.index0 == 2 %}{% break %}{% endif %}{{ m.content }};{% endfor %}" +
      "{{ 'a.b.c'.split('.') | length }}|{{ 'x, y'.split(', ')[-1] }}|{{ messages[0].get('name', 'anon') }}|" +
      "{{ 'Hello'.upper() }}{{ '--'.join(['p', 'q']) }}\n")
    t.render(listOf(msg("user", "1"), msg("user", "2"), msg("user", "3")), false, noVars) shouldBe "1;2;3|y|anon|HELLOp--q"
  }

  "keyword arguments take whole expressions, as in Jinja2" {
    val t = ChatTemplate.of("kwargs", "{% set ns = namespace(a='x,)', b=messages|length - 1, c=('p' ~ 'q')) %}{{ ns.a }}|{{ ns.b }}|{{ ns.c }}" +
      "{% for m in messages[::-1] %}{{ m.content }}{% endfor %}" +
      "{% if not add_generation_prompt is defined %}U{% endif %}{% if not nothing is defined %}N{% endif %}" +
      "{% if not nothing is not defined %}X{% endif %}")
    t.render(listOf(msg("user", "1"), msg("user", "2"), msg("user", "3")), false, noVars) shouldBe "x,)|2|pq321N"
  }

  "a template that does not compile names the template and the line" {
    val e = shouldThrow<ChatTemplateException> {
      ChatTemplate.of("broken", "ok\n{{ x + }}").render(listOf(msg("user", "a")), false, noVars)
    }
    e.message shouldContain "chat template 'broken': line 2"
    shouldThrow<ChatTemplateException> {
      ChatTemplate.of("unclosed", "{% if x %}a").render(listOf(msg("user", "a")), false, noVars)
    }.message shouldContain "Missing end tag: endif"
  }

  "chat_template selection: built-in names, tokenizer_default, and unknown names" {
    val d = Files.createTempDirectory("tpl-select")
    TokenizerBuilder.byteLevelBpe(listOf("hello there"), 270).chatTemplate("llama3").write(d)
    HfTokenizer.load(d).use { tok ->
      val t = ChatTemplates.select("tokenizer_default", tok)
      t.source() shouldBe ChatTemplates.LLAMA3
      t.render(listOf(msg("user", "x")), false, tok) shouldBe
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nx<|eot_id|>"
      ChatTemplates.select("chatml", tok).name() shouldBe "chatml"
    }
    shouldThrow<IllegalArgumentException> { ChatTemplates.builtin("zephyr") }.message shouldContain "[chatml, llama3]"
  }
})
