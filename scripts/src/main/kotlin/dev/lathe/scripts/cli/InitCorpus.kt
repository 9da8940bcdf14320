package dev.lathe.scripts.cli

/** Text the init-model tokenizer learns from when no --corpus is given: plain English, chat-like turns. */
object InitCorpus {
    val TEXT = """
        The quick brown fox jumps over the lazy dog. A small model can learn short patterns quickly.
        Question: What is the capital of France? Answer: The capital of France is Paris.
        Question: What is two plus two? Answer: Two plus two is four.
        User: Can you help me write a short poem about the sea?
        Assistant: Of course. The sea is wide and deep and blue, it sings all night and morning too.
        User: Thank you, that is lovely. Assistant: You are welcome! Let me know if you need anything else.
        Good answers are helpful, honest and harmless. Bad answers are rude, wrong or unsafe.
        The weather today is sunny with a light breeze. Tomorrow it will rain in the afternoon.
        Numbers: zero one two three four five six seven eight nine ten eleven twelve 0 1 2 3 4 5 6 7 8 9 10 100 1000.
        Please explain why the sky is blue. Sunlight is scattered by the air, and blue light is scattered the most.
        I like reading books, cooking dinner for my friends, and walking in the park on Sunday mornings.
        def add(a, b): return a + b. for i in range(10): print(i). if x > 0: x = x - 1.
        Which answer is better? The first answer is correct and polite; the second one is not.
    """.trimIndent()
}
