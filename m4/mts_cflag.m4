# MTS_CHECK_CFLAG(FLAG, ACTION-IF-ACCEPTED)
# Run ACTION-IF-ACCEPTED when the C compiler accepts FLAG without warnings.
AC_DEFUN([MTS_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	mts_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
	    [AC_MSG_RESULT([yes])
	     $2],
	    [AC_MSG_RESULT([no])])
	CFLAGS=$mts_save_CFLAGS
])
