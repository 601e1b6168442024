// Initialise all GOV.UK Frontend components. Load with <script type="module">.
import { initAll } from './govuk-frontend.min.js';

initAll();
