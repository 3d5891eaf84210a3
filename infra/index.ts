/**
 * The package's entry point (`import { MatrixThreepidValidation } from 'matrix-3pid-serverless'`):
 * the construct, its props, and the stack that holds one. Compiled to `dist/` by `npm run build`.
 */
export type { AlarmThresholds } from './alarms.js';
export { MatrixThreepidStack, type MatrixThreepidStackProps } from './stack.js';
export {
  type CustomDomainProps,
  DEFAULT_REQUEST_TOKEN_THROTTLE,
  DEFAULT_THROTTLE,
  type HomeserverProps,
  MatrixThreepidValidation,
  type MatrixThreepidValidationProps,
} from './three-pid-validation.js';
