! alhpc.f90 - Fortran 2003 interface (ISO_C_BINDING) to libalhpc.so; mirrors include/alhpc.h.
! Handles are type(c_ptr); every function returns an integer(c_int) status (ALHPC_OK = 0).
! Positions are real(c_double) arrays of 3*n (x1 y1 z1 x2 ...), types integer(c_int) arrays of n
! species indices (0 = the potential's first species). Units eV, Angstrom.
! Strings passed in must be NUL-terminated: use alhpc_cstr('file.json').
! Compile: gfortran -c include/alhpc.f90 ; link with -L<dir> -lalhpc.
module alhpc
  use, intrinsic :: iso_c_binding
  implicit none

  integer(c_int), parameter :: ALHPC_MODULE_ABI_VERSION = 1  ! = ALHPC_ABI_VERSION of alhpc.h
  integer(c_int), parameter :: ALHPC_OK = 0, ALHPC_ERR_NULL_POINTER = 1, ALHPC_ERR_BAD_HANDLE = 2, &
       ALHPC_ERR_INVALID_ARGUMENT = 3, ALHPC_ERR_NONFINITE = 4, ALHPC_ERR_SPECIES = 5, ALHPC_ERR_IO = 6, &
       ALHPC_ERR_FORMAT = 7, ALHPC_ERR_STATE = 8, ALHPC_ERR_BUSY = 9, ALHPC_ERR_INTERNAL = 10

  interface
    function alhpc_abi_version() bind(C, name="alhpc_abi_version")
      import :: c_int
      integer(c_int) :: alhpc_abi_version
    end function
    function alhpc_last_error_c() bind(C, name="alhpc_last_error")
      import :: c_ptr
      type(c_ptr) :: alhpc_last_error_c
    end function
    function alhpc_potential_load_mlbop(result) bind(C, name="alhpc_potential_load_mlbop")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_potential_load_mlbop
      type(c_ptr), intent(out) :: result
    end function
    function alhpc_potential_load_tersoff(path, result) bind(C, name="alhpc_potential_load_tersoff")
      import :: c_int, c_ptr, c_char
      integer(c_int) :: alhpc_potential_load_tersoff
      character(kind=c_char), dimension(*), intent(in) :: path
      type(c_ptr), intent(out) :: result
    end function
    function alhpc_potential_load_model(path, result) bind(C, name="alhpc_potential_load_model")
      import :: c_int, c_ptr, c_char
      integer(c_int) :: alhpc_potential_load_model
      character(kind=c_char), dimension(*), intent(in) :: path
      type(c_ptr), intent(out) :: result
    end function
    function alhpc_potential_free(potential) bind(C, name="alhpc_potential_free")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_potential_free
      type(c_ptr), value :: potential
    end function
    function alhpc_potential_cutoff(potential, cutoff) bind(C, name="alhpc_potential_cutoff")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_potential_cutoff
      type(c_ptr), value :: potential
      real(c_double), intent(out) :: cutoff
    end function
    function alhpc_evaluator_create(potential, result) bind(C, name="alhpc_evaluator_create")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_evaluator_create
      type(c_ptr), value :: potential
      type(c_ptr), intent(out) :: result
    end function
    function alhpc_evaluator_free(evaluator) bind(C, name="alhpc_evaluator_free")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_evaluator_free
      type(c_ptr), value :: evaluator
    end function
    ! forces / atom_energies: pass arrays, or c_null_ptr through the *_ptr variant below
    function alhpc_compute(evaluator, n, types, positions, energy, forces, atom_energies) &
         bind(C, name="alhpc_compute")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_compute
      type(c_ptr), value :: evaluator
      integer(c_int), value :: n
      integer(c_int), intent(in) :: types(*)
      real(c_double), intent(in) :: positions(*)
      real(c_double), intent(out) :: energy
      real(c_double), intent(out) :: forces(*)
      real(c_double), intent(out) :: atom_energies(*)
    end function
    function alhpc_compute_ptr(evaluator, n, types, positions, energy, forces, atom_energies) &
         bind(C, name="alhpc_compute")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_compute_ptr
      type(c_ptr), value :: evaluator
      integer(c_int), value :: n
      integer(c_int), intent(in) :: types(*)
      real(c_double), intent(in) :: positions(*)
      real(c_double), intent(out) :: energy
      type(c_ptr), value :: forces, atom_energies
    end function
    function alhpc_mc_create(potential, result) bind(C, name="alhpc_mc_create")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_mc_create
      type(c_ptr), value :: potential
      type(c_ptr), intent(out) :: result
    end function
    function alhpc_mc_free(mc) bind(C, name="alhpc_mc_free")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_mc_free
      type(c_ptr), value :: mc
    end function
    function alhpc_mc_reset(mc, n, types, positions, energy) bind(C, name="alhpc_mc_reset")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_mc_reset
      type(c_ptr), value :: mc
      integer(c_int), value :: n
      integer(c_int), intent(in) :: types(*)
      real(c_double), intent(in) :: positions(*)
      real(c_double), intent(out) :: energy
    end function
    ! index: 0-based atom index (C convention)
    function alhpc_mc_propose_move(mc, index, x, y, z, dE) bind(C, name="alhpc_mc_propose_move")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_mc_propose_move
      type(c_ptr), value :: mc
      integer(c_int), value :: index
      real(c_double), value :: x, y, z
      real(c_double), intent(out) :: dE
    end function
    function alhpc_mc_propose_insert(mc, type, x, y, z, dE) bind(C, name="alhpc_mc_propose_insert")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_mc_propose_insert
      type(c_ptr), value :: mc
      integer(c_int), value :: type
      real(c_double), value :: x, y, z
      real(c_double), intent(out) :: dE
    end function
    function alhpc_mc_propose_remove(mc, index, dE) bind(C, name="alhpc_mc_propose_remove")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_mc_propose_remove
      type(c_ptr), value :: mc
      integer(c_int), value :: index
      real(c_double), intent(out) :: dE
    end function
    function alhpc_mc_accept(mc) bind(C, name="alhpc_mc_accept")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_mc_accept
      type(c_ptr), value :: mc
    end function
    function alhpc_mc_reject(mc) bind(C, name="alhpc_mc_reject")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_mc_reject
      type(c_ptr), value :: mc
    end function
    function alhpc_mc_energy(mc, energy) bind(C, name="alhpc_mc_energy")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_mc_energy
      type(c_ptr), value :: mc
      real(c_double), intent(out) :: energy
    end function
    function alhpc_mc_count(mc, count) bind(C, name="alhpc_mc_count")
      import :: c_int, c_ptr
      integer(c_int) :: alhpc_mc_count
      type(c_ptr), value :: mc
      integer(c_int), intent(out) :: count
    end function
    function alhpc_mc_positions(mc, positions, capacity) bind(C, name="alhpc_mc_positions")
      import :: c_int, c_ptr, c_double
      integer(c_int) :: alhpc_mc_positions
      type(c_ptr), value :: mc
      real(c_double), intent(out) :: positions(*)
      integer(c_int), value :: capacity
    end function
    function c_strlen(s) bind(C, name="strlen")
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
      integer(c_size_t) :: c_strlen
    end function
  end interface

contains

  !> A NUL-terminated copy of a Fortran string, for path arguments.
  function alhpc_cstr(s) result(c)
    character(len=*), intent(in) :: s
    character(kind=c_char, len=len_trim(s) + 1) :: c
    c = trim(s) // c_null_char
  end function

  !> The calling thread's last error message as a Fortran string.
  function alhpc_last_error() result(msg)
    character(len=:), allocatable :: msg
    type(c_ptr) :: p
    character(kind=c_char), pointer :: chars(:)
    integer :: n, i
    p = alhpc_last_error_c()
    n = int(c_strlen(p))
    call c_f_pointer(p, chars, [n])
    allocate(character(len=n) :: msg)
    do i = 1, n
      msg(i:i) = chars(i)
    end do
  end function
end module alhpc
