#!/bin/bash
# GPU probe (docs/opencl.md, "On a GPU"): times the C# CPU path against the OpenCL kernels on one machine in
# one run, and checks that both agree. For a machine without the .NET SDK; prepare on a build machine:
#   dotnet publish src/AlHpc.Cli -c Release -r linux-x64 --self-contained -o /tmp/gpu-pub
#   mkdir -p .gpu && tar cJf .gpu/alhpc-pub.tar.xz -C /tmp gpu-pub && (cd .gpu && apt-get download ocl-icd-libopencl1)
# then, on the GPU machine, from the repository root: OUT=/some/dir bash scripts/gpu-probe.sh
# It registers the NVIDIA driver's libnvidia-opencl.so as an ICD (root), makes a 426-structure pool, trains
# on CPU and OpenCL, labels a 100,000-cluster test set and evaluates it on each device; log in $OUT/log.txt.
OUT=${OUT:-$PWD/gpu-probe-out}; mkdir -p "$OUT"
exec > >(tee $OUT/log.txt) 2>&1
T0=$(date +%s)
mkdir -p /tmp/w && tar xJf .gpu/alhpc-pub.tar.xz -C /tmp/w
dpkg -x .gpu/ocl-icd-libopencl1_*.deb /tmp/ocl
export LD_LIBRARY_PATH=/tmp/ocl/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
lib=$(find /usr/local/nvidia /usr/lib /usr/lib64 /lib -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
echo "nvidia opencl: $lib"
mkdir -p /etc/OpenCL/vendors && echo "$lib" > /etc/OpenCL/vendors/nvidia.icd
nvidia-smi -L; nproc; lscpu | grep -E 'Model name|Flags' | cut -c1-200
A=/tmp/w/gpu-pub/alhpc
export DOTNET_CLI_TELEMETRY_OPTOUT=1
$A devices || exit 1
cd /tmp/w
tm() { local s=$(date +%s%N); "$@"; local rc=$?; local e=$(date +%s%N); echo "TIME $(( (e - s) / 1000000 )) ms rc=$rc :: $*"; }
tm $A sample metropolis --start $OLDPWD/data/struct_min_25.xsf --temperature 300 --cycles 24000 --equilibration 2700 --every 50 --seed 426 -o pool.xyz
for d in cpu opencl; do tm $A train --data pool.xyz --epochs 1000 --batch 0 --seed 1 --device $d -o m_$d.json --curve c_$d.csv; done
tm $A train --data pool.xyz --epochs 1000 --batch 32 --seed 1 --device cpu -o m_cpu32.json
tm $A train --data pool.xyz --epochs 1000 --batch 32 --seed 1 --device opencl -o m_cl32.json
tm $A testset --count 100000 --sizes 1-200 --seed 1 -o t.h5
for d in cpu opencl opencl:0:0:single; do n=${d//:/_}
  tm $A evaluate --model m_cpu.json --testset t.h5 --no-figures --device $d --out e_$n
  tm $A evaluate --reference --testset t.h5 --no-figures --device $d --out r_$n
done
for d in cpu opencl opencl:0:0:single cpu opencl; do tm $A evaluate --model m_cpu.json --testset t.h5 --no-figures --device $d; done
python3 - <<'PY'
import json,glob,math
def leaves(x,p=""):
    if isinstance(x,dict):
        for k,v in x.items(): yield from leaves(v,p+"/"+k)
    elif isinstance(x,list):
        for i,v in enumerate(x): yield from leaves(v,p+"[%d]"%i)
    elif isinstance(x,(int,float)) and not isinstance(x,bool): yield p,float(x)
for a,b in [("m_cpu.json","m_opencl.json"),("m_cpu32.json","m_cl32.json")]:
    A=dict(leaves(json.load(open(a)))); B=dict(leaves(json.load(open(b))))
    d=max(abs(A[k]-B[k]) for k in A if k in B and "rovenance" not in k)
    print("max |w_cpu - w_opencl|", a, b, d)
for f in sorted(glob.glob("*/metrics.json")): print(f, open(f).read()[:1500])
PY
cp */metrics.json $OUT/ 2>/dev/null; for f in */metrics.json; do cp $f $OUT/$(dirname $f).json; done
echo total $(( $(date +%s) - T0 )) s
grep -E "^TIME|ms/epoch|clusters/s|trial moves" $OUT/log.txt
