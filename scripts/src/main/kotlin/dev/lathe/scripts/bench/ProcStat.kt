package dev.lathe.scripts.bench

import java.io.File

/**
 * This process's CPU time and page faults from /proc/self/stat (all threads), to attribute a step's
 * cost between computing (user) and the kernel (sys: page faults of freshly mapped buffers, munmap).
 */
data class ProcStat(val userS: Double, val sysS: Double, val minorFaults: Long) {
    operator fun minus(o: ProcStat) = ProcStat(userS - o.userS, sysS - o.sysS, minorFaults - o.minorFaults)

    companion object {
        private const val TICKS = 100.0 // USER_HZ: 100 on every Linux target libtorch supports

        fun now(): ProcStat {
            val f = File("/proc/self/stat")
            if (!f.canRead()) return ProcStat(Double.NaN, Double.NaN, -1)
            // fields after the ")" that ends the command name: state is field 3, minflt 10, utime 14, stime 15
            val rest = f.readText().substringAfterLast(')').trim().split(' ')
            return ProcStat(rest[11].toDouble() / TICKS, rest[12].toDouble() / TICKS, rest[7].toLong())
        }
    }
}
