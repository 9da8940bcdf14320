package dev.lathe.tests.reward

import dev.lathe.engine.reward.Answers
import dev.lathe.engine.reward.Builtins
import dev.lathe.engine.reward.Reward
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain

/** Built-in rewards against hand-worked cases (the rules of docs/rewards.md, "Built-ins"). */
class BuiltinsSpec : FunSpec({
    fun Reward.on(completion: String, row: Map<String, Any?> = emptyMap(), tokens: Int = 0): Double? =
        perSample().score(sample(completion, row, IntArray(tokens) { 7 }))

    test("answer_match: GSM8K gold '#### 72', numeric comparison, thousands separators, boxed and markers") {
        val r = Builtins.answerMatch("answer")
        val gsm = mapOf("answer" to "Natalia sold 48/2 = 24 clips in May.\nAltogether 48+24 = 72 clips.\n#### 72")
        r.on("48 + 24 = 72, so she sold 72 clips.", gsm) shouldBe 1.0           // bare: last number 72
        r.on("72 clips? No: 48 + 24 is 73", gsm) shouldBe 0.0                  // bare: last number 73
        r.on("The answer is 72 clips.\nCheck: 48 + 24 = 72", gsm) shouldBe 1.0 // marker: first number after it
        r.on("so \\boxed{72.0} (not 71)", gsm) shouldBe 1.0                    // boxed wins; 72.0 = 72
        r.on("I cannot tell.", gsm) shouldBe 0.0                                // no number: wrong, not unscorable
        r.on("#### 1,000", mapOf("answer" to 1000)) shouldBe 1.0               // an int column; 1,000 = 1000
        r.on("answer: -0.5", mapOf("answer" to -0.5)) shouldBe 1.0
        r.on("Answer: \$18", mapOf("answer" to "18")) shouldBe 1.0
    }

    test("answer_match: text answers compare normalised; nested braces in \\boxed; missing gold is unscorable") {
        val r = Builtins.answerMatch("solution")
        r.on("Thus \\boxed{\\frac{1}{2}}.", mapOf("solution" to "We get \\boxed{\\frac{1}{2}}")) shouldBe 1.0
        r.on("Thus \\boxed{\\frac{1}{3}}.", mapOf("solution" to "\\boxed{\\frac{1}{2}}")) shouldBe 0.0
        r.on("The answer is  Paris.", mapOf("solution" to "paris")) shouldBe 1.0
        r.on("The answer is Lyon", mapOf("solution" to "Paris")) shouldBe 0.0
        r.on("42", mapOf("other" to "42")) shouldBe null
        r.on("42", mapOf("solution" to null)) shouldBe null
        Answers.lastBoxed("\\boxed{a} then \\boxed{b{c}d}") shouldBe "b{c}d"
        Answers.lastBoxed("\\boxed{unfinished") shouldBe null
        shouldThrow<IllegalArgumentException> { Builtins.answerMatch(" ") }
    }

    test("format: whole-completion regex match, dot matches newlines") {
        val r = Builtins.format("<think>.*?</think>\\s*<answer>.*?</answer>")
        r.on("<think>a\nb</think>\n<answer>3</answer>") shouldBe 1.0
        r.on("<think>a</think><answer>3</answer> trailing") shouldBe 0.0
        r.on("<answer>3</answer>") shouldBe 0.0
        shouldThrow<IllegalArgumentException> { Builtins.format("(unclosed") }.message shouldContain "does not compile"
    }

    test("length target: -|n - target| / target") {
        val r = Builtins.lengthTarget(10)
        r.on("", tokens = 10) shouldBe 0.0
        r.on("", tokens = 7) shouldBe -0.3
        r.on("", tokens = 15) shouldBe -0.5
        r.on("", tokens = 0) shouldBe -1.0
        shouldThrow<IllegalArgumentException> { Builtins.lengthTarget(0) }
    }

    test("overlong (DAPO soft punishment): max 20, buffer 8 -> free up to 12, linear to -1 at 20") {
        val r = Builtins.overlong(20, 8)
        r.on("", tokens = 12) shouldBe 0.0
        r.on("", tokens = 13) shouldBe -0.125
        r.on("", tokens = 16) shouldBe -0.5
        r.on("", tokens = 20) shouldBe -1.0
        r.on("", tokens = 25) shouldBe -1.0
        shouldThrow<IllegalArgumentException> { Builtins.overlong(5, 6) }
    }

    test("renaming and reweighting keep the function") {
        val r = Builtins.lengthTarget(4).named("short").withWeight(0.5)
        r.name() shouldBe "short"
        r.weight() shouldBe 0.5
        r.on("", tokens = 2) shouldBe -0.5
    }
})
