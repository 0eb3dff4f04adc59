/* Levels of the diagnostic lines every layer emits (devices, the machine, the host). */
#ifndef SE_LOG_H
#define SE_LOG_H

enum { SE_LOG_INFO, SE_LOG_WARN, SE_LOG_ERROR };

#endif
