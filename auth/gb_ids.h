/* Chinese identity numbers: the resident ID (GB 11643-1999: 18 characters, check digit,
 * real birth date, region code shape), the unified social credit code of organizations
 * (GB 32100-2015: 18 characters, check character) and the mainland mobile number. */
#ifndef OW_GB_IDS_H
#define OW_GB_IDS_H

#include <stdbool.h>

/* today: YYYYMMDD as a number (the service time zone's date); births after it are refused. */
bool gb11643_valid(const char *id, long today);
bool gb32100_valid(const char *code);
/* 1[3-9] followed by 9 digits. */
bool mobile_valid(const char *phone);

#endif
