# build.ps1: restore, build and test AlHpc for PowerShell users (bash users: ./test.sh).
# Usage: ./build.ps1 [-Configuration Release] [-SkipTests]
param(
    [string]$Configuration = "Release",
    [switch]$SkipTests
)
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$env:POCL_SIGFPE_HANDLER = "0"
dotnet restore AlHpc.sln
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet build AlHpc.sln -c $Configuration --no-restore
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
if (-not $SkipTests) {
    dotnet test AlHpc.sln -c $Configuration --no-build
    exit $LASTEXITCODE
}
