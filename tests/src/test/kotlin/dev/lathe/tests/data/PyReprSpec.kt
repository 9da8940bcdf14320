package dev.lathe.tests.data

import dev.lathe.engine.data.PyStr
import io.kotest.core.spec.style.StringSpec
import io.kotest.matchers.shouldBe
import java.util.Locale

/**
 * Floats inserted into prompts print as Python's str(float) does (values from CPython 3's repr), through
 * one formatter (io/PyJson's), whatever the JVM's locale.
 */
class PyReprSpec : StringSpec({
    val python = mapOf(
        1e-4 to "0.0001", 1e-5 to "1e-05", 0.1 to "0.1", 3.0 to "3.0", -2.5 to "-2.5", 1e16 to "1e+16",
        123456789012345.0 to "123456789012345.0", 1.5e-7 to "1.5e-07", 0.00012345 to "0.00012345", -0.0 to "-0.0",
        Double.NaN to "nan", Double.POSITIVE_INFINITY to "inf",
    )

    "str(float) matches CPython" {
        for ((v, s) in python) PyStr.str(v) shouldBe s
    }

    "and does not depend on the default locale" {
        val old = Locale.getDefault()
        try {
            Locale.setDefault(Locale.GERMANY)
            for ((v, s) in python) PyStr.str(v) shouldBe s
            Locale.setDefault(Locale.forLanguageTag("ar-EG-u-nu-arab"))
            PyStr.str(1e-5) shouldBe "1e-05"
        } finally {
            Locale.setDefault(old)
        }
    }
})
