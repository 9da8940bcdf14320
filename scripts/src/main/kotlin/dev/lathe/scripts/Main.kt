package dev.lathe.scripts

fun main(args: Array<String>) {
    println("lathe: CLI under construction")
}
