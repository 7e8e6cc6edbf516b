! metropolis: a Metropolis Monte Carlo run of a cluster driven through the libalhpc.so MC backend protocol
! (alhpc_mc_reset, then propose move / insert / remove -> dE, then accept or reject).
!
!   metropolis input.xyz steps temperature_K seed trajectory.xyz [model.json]
!
! input.xyz: plain XYZ (atom count, comment, "symbol x y z" lines; symbol = the potential's species).
! Potential: the built-in ML-BOP, or an AlHpc model file when given. Moves: 90 % single-atom
! displacements (uniform in a cube of +-0.25 A), 5 % insertions uniform in a sphere of 4 A around a
! random atom, 5 % removals of a random atom. Displacements use the Metropolis rule exp(-dE/kT);
! insertions/removals use exp(-(dE -/+ mu)/kT) with mu = -0.25 eV: a demonstration of the protocol, not a
! grand-canonical sampler with the volume factors (for that see alhpc sample).
! Every 100 steps one frame is written: comment "step=<k> energy=<E eV> n=<atoms>" with E the backend's
! running energy (initial energy + the sum of accepted dE), positions in A.
program metropolis
  use, intrinsic :: iso_c_binding
  use alhpc
  implicit none
  real(c_double), parameter :: kB = 8.617333262d-5, mu = -0.25d0, step_size = 0.25d0, r_ins = 4.0d0
  character(len=4096) :: arg, input, output, model
  integer :: steps, seed_value, nseed, k, u, n0, i, ios, accepted(3), tried(3)
  integer, allocatable :: seed(:)
  real(c_double) :: temperature, beta, e, dE, r(4), x, y, z, d
  real(c_double), allocatable :: pos(:)
  integer(c_int), allocatable :: types(:)
  integer(c_int) :: n, idx, kind
  type(c_ptr) :: pot, mc
  character(len=8) :: sym

  if (command_argument_count() < 5) then
    write (0, '(a)') 'usage: metropolis input.xyz steps temperature_K seed trajectory.xyz [model.json]'
    stop 2
  end if
  call get_command_argument(1, input)
  call get_command_argument(2, arg); read (arg, *) steps
  call get_command_argument(3, arg); read (arg, *) temperature
  call get_command_argument(4, arg); read (arg, *) seed_value
  call get_command_argument(5, output)
  model = ''
  if (command_argument_count() >= 6) call get_command_argument(6, model)
  beta = 1d0 / (kB * temperature)

  if (alhpc_abi_version() /= ALHPC_MODULE_ABI_VERSION) stop 'libalhpc ABI differs from the module'
  if (len_trim(model) > 0) then
    call check(alhpc_potential_load_model(alhpc_cstr(model), pot), 'load model')
  else
    call check(alhpc_potential_load_mlbop(pot), 'load ML-BOP')
  end if
  call check(alhpc_mc_create(pot, mc), 'mc create')

  open (newunit=u, file=input, status='old', action='read', iostat=ios)
  if (ios /= 0) then
    write (0, '(a)') trim(input)//': cannot open'
    stop 2
  end if
  read (u, *) n0
  read (u, *)
  allocate (pos(3 * (n0 + steps + 1)), types(n0 + steps + 1))
  types = 0
  do i = 1, n0
    read (u, *, iostat=ios) sym, pos(3 * i - 2:3 * i)
    if (ios /= 0) then
      write (0, '(a,i0,a)') trim(input)//':', i + 2, ': expected: symbol x y z'
      stop 2
    end if
  end do
  close (u)

  call random_seed(size=nseed)
  allocate (seed(nseed))
  seed = seed_value + 37 * [(i, i = 1, nseed)]
  call random_seed(put=seed)

  call check(alhpc_mc_reset(mc, int(n0, c_int), types, pos, e), 'reset')
  open (newunit=u, file=output, status='replace', action='write')
  call write_frame(0)
  accepted = 0; tried = 0
  do k = 1, steps
    call check(alhpc_mc_count(mc, n), 'count')
    call random_number(r)
    idx = min(int(r(2) * n, c_int), n - 1_c_int)
    if (r(1) < 0.90d0 .or. n < 3) then
      kind = 1
      call check(alhpc_mc_positions(mc, pos, int(size(types), c_int)), 'positions')
      x = pos(3 * idx + 1) + step_size * (2 * r(3) - 1)
      call random_number(r)
      y = pos(3 * idx + 2) + step_size * (2 * r(1) - 1)
      z = pos(3 * idx + 3) + step_size * (2 * r(2) - 1)
      call check(alhpc_mc_propose_move(mc, idx, x, y, z, dE), 'propose move')
      d = dE
    else if (r(1) < 0.95d0) then
      kind = 2
      call check(alhpc_mc_positions(mc, pos, int(size(types), c_int)), 'positions')
      do ! uniform point in the sphere around atom idx
        call random_number(r(1:3))
        r(1:3) = 2 * r(1:3) - 1
        if (sum(r(1:3)**2) <= 1d0) exit
      end do
      x = pos(3 * idx + 1) + r_ins * r(1); y = pos(3 * idx + 2) + r_ins * r(2); z = pos(3 * idx + 3) + r_ins * r(3)
      call check(alhpc_mc_propose_insert(mc, 0_c_int, x, y, z, dE), 'propose insert')
      d = dE - mu
    else
      kind = 3
      call check(alhpc_mc_propose_remove(mc, idx, dE), 'propose remove')
      d = dE + mu
    end if
    tried(kind) = tried(kind) + 1
    call random_number(r)
    if (d <= 0 .or. r(4) < exp(-beta * d)) then
      call check(alhpc_mc_accept(mc), 'accept')
      accepted(kind) = accepted(kind) + 1
    else
      call check(alhpc_mc_reject(mc), 'reject')
    end if
    if (mod(k, 100) == 0) call write_frame(k)
  end do
  close (u)
  call check(alhpc_mc_energy(mc, e), 'energy')
  call check(alhpc_mc_count(mc, n), 'count')
  write (*, '(a,i0,a,es24.16e3)') 'final n=', n, ' energy=', e
  write (*, '(a,3(1x,i0,"/",i0))') 'accepted move/insert/remove', (accepted(i), tried(i), i = 1, 3)
  call check(alhpc_mc_free(mc), 'free')
  call check(alhpc_potential_free(pot), 'free')

contains

  subroutine check(status, what)
    integer(c_int), intent(in) :: status
    character(len=*), intent(in) :: what
    if (status /= ALHPC_OK) then
      write (0, '(a,": ",a)') what, alhpc_last_error()
      stop 1
    end if
  end subroutine

  subroutine write_frame(step)
    integer, intent(in) :: step
    integer(c_int) :: m
    real(c_double) :: energy
    integer :: j
    call check(alhpc_mc_count(mc, m), 'count')
    call check(alhpc_mc_energy(mc, energy), 'energy')
    call check(alhpc_mc_positions(mc, pos, int(size(types), c_int)), 'positions')
    write (u, '(i0)') m
    write (u, '(a,i0,a,es24.16e3,a,i0)') 'step=', step, ' energy=', energy, ' n=', m
    do j = 1, m
      write (u, '(a,3(1x,es24.16e3))') trim(sym), pos(3 * j - 2:3 * j)
    end do
  end subroutine
end program metropolis
