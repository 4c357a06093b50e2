/* Dumps the CPUID leaves that carry cache and core topology (docs/RESULTS-zen5.md): gcc -O1 -o /tmp/cpuid bench/onednn-zen5/cpuid_leaves.c && /tmp/cpuid */
#include <stdio.h>
#include <cpuid.h>
int main(){unsigned a,b,c,d;
unsigned leaves[]={0,1,4,7,0xb,0x80000000,0x80000005,0x80000006,0x8000001d,0x8000001e};
for(int i=0;i<10;i++){for(int sub=0;sub<(leaves[i]==4||leaves[i]==0x8000001d||leaves[i]==0xb?5:1);sub++){__cpuid_count(leaves[i],sub,a,b,c,d);printf("leaf %08x.%d: %08x %08x %08x %08x\n",leaves[i],sub,a,b,c,d);}}
return 0;}
