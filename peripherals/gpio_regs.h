/* GPIO register offsets and fields, shared by the model (peripherals/gpio.c) and its
 * tests. Sources as cited at each group. */
#ifndef SE_GPIO_REGS_H
#define SE_GPIO_REGS_H

/* Register offsets (RM0438 GPIO map; docs/hardware.md C.1 for AFRL/AFRH/BRR/SECCFGR). The L5 GPIO
 * has no HSLVR (+0x2C). */
enum {
    GPIO_MODER = 0x00,
    GPIO_OTYPER = 0x04,
    GPIO_OSPEEDR = 0x08,
    GPIO_PUPDR = 0x0C,
    GPIO_IDR = 0x10,
    GPIO_ODR = 0x14,
    GPIO_BSRR = 0x18,
    GPIO_LCKR = 0x1C,
    GPIO_AFRL = 0x20,
    GPIO_AFRH = 0x24,
    GPIO_BRR = 0x28,
    GPIO_SECCFGR = 0x30,
};

#define GPIO_LCKK (1u << 16)

#endif
